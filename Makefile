# The two commands of README.md. Both work on a fresh machine: they install what
# is missing (Docker engine, Debian tools, a Python venv), build or reuse the
# node image, and bring up the course cluster.

LAB ?= pods-basics
# kubelab's pinned kind and kubectl (built by `kubelab cluster build-image`) come first on PATH
export PATH := $(or $(KUBELAB_CACHE),$(HOME)/.cache/kubelab)/bin:$(CURDIR)/.venv/bin:$(PATH)

.PHONY: course test setup

setup:
	bash scripts/bootstrap.sh

## Bring up the course cluster, start a lab and serve the course in JupyterLab.
course: setup
	.venv/bin/kubelab cluster up --shape course
	.venv/bin/kubelab lab start $(LAB)
	.venv/bin/jupyter lab --no-browser --ip=127.0.0.1 --port=8888 --ServerApp.root_dir=course

## Everything CI runs: setup, cluster up, all tests (live ones included), cluster down.
test:
	bash scripts/test.sh
