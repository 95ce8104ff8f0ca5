# The two commands of README.md. Both work on a fresh machine: they install what
# is missing (Docker engine, Debian tools, a Python venv), build or reuse the
# node image, and bring up the course cluster.

LAB ?= pods-basics
PORT ?= 8888
SERVE ?=
# kubelab's pinned kind and kubectl (built by `kubelab cluster build-image`) come first on PATH
export PATH := $(or $(KUBELAB_CACHE),$(HOME)/.cache/kubelab)/bin:$(CURDIR)/.venv/bin:$(PATH)

.PHONY: course test setup

setup:
	bash scripts/bootstrap.sh

## Set up, get the node image, bring up (or reuse) the course cluster, start a lab and serve
## the course in JupyterLab; prints the URL with its token and what to do first.
## SERVE=background returns once JupyterLab answers (`.venv/bin/kubelab course serve --stop` ends it).
course:
	LAB=$(LAB) PORT=$(PORT) SERVE=$(SERVE) bash scripts/course.sh

## Everything CI runs: setup, cluster up, all tests (live ones included), cluster down.
test:
	bash scripts/test.sh
