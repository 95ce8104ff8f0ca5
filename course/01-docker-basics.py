# %% [markdown]
# # 01 Docker basics: images, containers, networks and storage
#
# **Learning objectives.** After this notebook you can
#
# - tell an image from a container, and say what the OCI standardises;
# - explain how the `docker` CLI, the daemon and its REST API fit together, and what a registry is for;
# - drive a container through its whole life cycle, and get into it with `attach` or `exec`
#   without stopping it by accident;
# - read an image as a stack of read-only layers under one writable container layer, and move
#   images around with `tag`, `history`, `save`/`load`, `export`/`import` and `commit`;
# - write a Dockerfile whose `ENTRYPOINT` and `CMD` split does what you mean;
# - put containers on a user network with your own subnet, gateway and fixed addresses, and
#   publish ports;
# - keep data in a volume so that it outlives the container that wrote it.
#
# Every example below runs live against the Docker engine on this machine. No registry is
# reachable: the images used here are already loaded (busybox, nginx and the small `kubelab/web`
# server). Objects the examples create are named `demo-01-...` and removed again.
#
# The graded labs (sections 2, 4, 5 and 6) are checked from the engine's live state: do them in a
# terminal, then press **Check**.

# %% tags=["parameters"]
SOLVE = False

# %% [markdown]
# **Your environment.** The panel shows the Docker engine and the lab images.
# Anything missing comes with the command that fixes it; run that in a terminal, then press
# **Refresh**.

# %%
from kubelab.course.nb import cluster_status

cluster_status(cluster=False)

# %%
from kubelab.course.nb import docker_client, lab_task, quiz, sh

# leftovers of an interrupted earlier run
sh("""docker rm -f demo-01-life demo-01-web demo-01-cow demo-01-vol 2>/dev/null
docker network rm demo-01-net 2>/dev/null; docker volume rm demo-01-vol 2>/dev/null
docker rmi demo-01/busybox:mine demo-01/imported:v1 demo-01/committed:v1 demo-01/args:v1 demo-01/layers:v1 2>/dev/null; true""",
   quiet=True)

# %% [markdown]
# ## 1. Images, containers and the engine
#
# An **image** is a read-only template: a file system (stacked layers) plus metadata such as the
# command to start and the ports it expects. A **container** is a running (or stopped) instance of
# an image: the kernel runs its processes in their own namespaces and cgroups (notebook 02), on top
# of the image's layers plus one thin writable layer of its own. One image, many containers - like
# a class and its objects, or a shipping container design and the boxes on the ship.
#
# The **Open Container Initiative (OCI)** standardises the image format, the runtime (how a bundle
# is started, implemented by `runc`) and the distribution protocol, so an image built by Docker
# runs under containerd, CRI-O or Podman, and Kubernetes does not depend on Docker itself.
#
# **Docker Engine** is a client/server application:
#
# ```mermaid
# flowchart LR
#   cli["docker CLI<br/>(client)"] -- "REST API over<br/>/var/run/docker.sock" --> d["dockerd<br/>(daemon)"]
#   d --> c["containerd + runc<br/>(run containers)"]
#   d <-->|pull / push| r[("registry<br/>Docker Hub, private")]
#   d --- o["images · containers<br/>networks · volumes"]
# ```
#
# The daemon does all the work: it builds, stores and runs; the CLI only turns your command into
# REST calls. Anything that can speak HTTP to the socket can drive Docker - the Python SDK used by
# the graders, or `curl`:

# %%
sh("docker version --format 'client {{.Client.Version}} -> server {{.Server.Version}} (API {{.Server.APIVersion}})'")
sh("curl -s --unix-socket /var/run/docker.sock http://localhost/version | head -c 160; echo")
print("SDK:", docker_client().version()["Version"])

# %% [markdown]
# A **registry** stores images by repository and tag (`docker.io/library/nginx:1.22.1` =
# registry `docker.io`, repository `library/nginx`, tag `1.22.1`). Docker Hub is the public
# default; a company runs a private one (the `registry` image) and names images after it:
# `registry.example.com:5000/team/app:v2`.

# %%
quiz("docker-01", "docker-02", "docker-03", "docker-36")

# %% [markdown]
# ## 2. The container life cycle
#
# ```mermaid
# stateDiagram-v2
#   [*] --> Created: docker create
#   Created --> Running: docker start
#   [*] --> Running: docker run (= create + start)
#   Running --> Paused: docker pause
#   Paused --> Running: docker unpause
#   Running --> Running: docker restart
#   Running --> Exited: docker stop (SIGTERM, then SIGKILL) / docker kill (SIGKILL) / main process ends
#   Exited --> Running: docker start
#   Exited --> [*]: docker rm / docker container prune
#   Running --> [*]: docker rm -f (SIGKILL, then remove)
# ```
#
# - `pause` freezes the processes (cgroup freezer) without killing them; `stop` asks politely
#   (SIGTERM, then SIGKILL after 10 s); `kill` sends SIGKILL at once.
# - `docker rm` removes a stopped container (its writable layer is gone with it); `-f` kills a
#   running one with **SIGKILL** (no SIGTERM, no grace period) and removes it: `docker stop` first
#   when the process should shut down cleanly (Docker reference, `docker container rm --force`).
#   `docker container prune` removes **every** stopped container on the host - think
#   before you type it on a shared machine.
# - A container lives as long as its main process (PID 1 inside it). `docker run busybox` exits
#   at once because `sh` without a terminal has nothing to do.

# %%
sh("docker create --name demo-01-life busybox:1.35.0 sleep 300")
sh("""for step in start pause unpause "restart -t 1" "stop -t 1"; do
  docker $step demo-01-life >/dev/null && docker inspect -f "$step -> {{.State.Status}}" demo-01-life
done""")
sh("docker rm demo-01-life")

# %% [markdown]
# **Getting in.** `docker attach` connects your terminal to the container's main process (PID 1):
# typing `exit` or Ctrl-D there ends that process and so stops the container; the detach keys
# **Ctrl-P Ctrl-Q** leave it running. `docker exec` starts a **new** process in the running
# container (`docker exec -it web sh`), so leaving it never stops the container.

# %%
sh("docker run -d --name demo-01-life busybox:1.35.0 sleep 300")
sh("docker exec demo-01-life ps")          # the exec'd `ps` is a second process next to PID 1
sh("docker rm -f demo-01-life")

# %%
quiz("docker-04", "docker-05", "docker-06", "docker-37", "docker-07", "docker-08", "docker-09", "docker-10",
     "docker-38")

# %% [markdown]
# ### Lab: a detached web server on a host port
#
# `-d` runs the container in the background; `-p HOST:CONTAINER` publishes a container port on
# the host (Docker adds NAT rules in front of the bridge).

# %%
lab_task("docker-web-port", solve=SOLVE)

# %% [markdown]
# ## 3. Images are layers
#
# A Linux system boots with a **bootfs** (boot loader and kernel) and then mounts its **rootfs**
# (`/bin`, `/etc`, `/usr` ...). A container has no bootfs of its own: it shares the host's kernel
# (which is why a Linux image cannot bring its own kernel version). An image is only a rootfs,
# built as a stack of read-only **layers**; each Dockerfile instruction that changes files adds
# one. A **base image** has no parent: it is built `FROM scratch` (the empty image) and other
# images extend it.
#
# ```mermaid
# flowchart TB
#   w["container layer (read/write, one per container, deleted with it)"]
#   l2["layer: COPY app /srv"]
#   l1["base image layers (e.g. busybox, FROM scratch)"]
#   k["host kernel (shared, not part of the image)"]
#   c["image config (JSON, not a layer):<br/>CMD, ENTRYPOINT, ENV, WORKDIR..."]
#   w --> l2 --> l1 --> k
#   c -.-> l2
# ```
#
# CMD, ENTRYPOINT, ENV and the other metadata instructions change only the image's **config**; they add
# no layer (`docker history` lists them with size 0 B as steps of the build, not as file system layers;
# OCI image spec, "Image Configuration").
#
# Writes go to the container layer by **copy-on-write**: the first write to a file copies it up
# from the read-only layer below. Many containers share the same image layers on disk.

# %%
# the catalog images here were imported as one flat layer; build one with a few layers to see them
sh("""docker build -q -t demo-01/layers:v1 - 2>/dev/null <<'EOF'
FROM busybox:1.35.0
RUN echo "built by a RUN instruction" > /built.txt
ENV GREETING=hello
CMD ["cat", "/built.txt"]
EOF""")
sh(r"""docker history --format "{{.Size}}\t{{.CreatedBy}}" demo-01/layers:v1 | cut -c1-90""")
sh("docker rmi demo-01/layers:v1 >/dev/null")
sh("docker run -d --name demo-01-cow busybox:1.35.0 sh -c 'echo changed > /etc/motd; sleep 300'")
sh("sleep 1; docker diff demo-01-cow")    # A added, C changed: what the container layer holds

# %% [markdown]
# **Moving images around.**
#
# | command | what it does |
# |---|---|
# | `docker pull` / `push` | copy an image from / to a registry (offline here) |
# | `docker tag SRC NEW` | a second name for the same image ID (needed before pushing to a private registry: `host:port/repo:tag`) |
# | `docker history` | the layers and the instructions that made them |
# | `docker rmi` | remove a tag (the layers go when no tag or container uses them) |
# | `docker save` / `load` | an **image** with all its layers, tags and history to/from a tar |
# | `docker export` / `import` | a **container's** flattened file system (one layer, no history, no CMD) to/from a tar |
# | `docker commit` | the container layer on top of its image becomes a new image |

# %%
sh("docker tag busybox:1.35.0 demo-01/busybox:mine && docker images --format '{{.Repository}}:{{.Tag}} {{.ID}}' | grep busybox")
sh("""docker save -o /tmp/demo-01-busybox.tar demo-01/busybox:mine && docker rmi demo-01/busybox:mine &&
docker load -i /tmp/demo-01-busybox.tar && rm /tmp/demo-01-busybox.tar""")
sh("""docker export demo-01-cow | docker import - demo-01/imported:v1 >/dev/null &&
docker history --format '{{.CreatedBy}} {{.Size}}' demo-01/imported:v1""")
sh("""docker commit -a kubelab -m 'motd changed' demo-01-cow demo-01/committed:v1 >/dev/null &&
docker run --rm demo-01/committed:v1 cat /etc/motd""")
sh("docker rm -f demo-01-cow && docker rmi demo-01/busybox:mine demo-01/imported:v1 demo-01/committed:v1 >/dev/null")

# %% [markdown]
# A **private registry** is just a container: `docker run -d -p 5000:5000 -v /srv/registry:/var/lib/registry registry:2`;
# then `docker tag app:v1 127.0.0.1:5000/team/app:v1`, `docker push 127.0.0.1:5000/team/app:v1`, and
# `curl 127.0.0.1:5000/v2/_catalog` lists what it holds.

# %%
quiz("docker-33", "docker-11", "docker-12", "docker-34", "docker-35", "docker-15", "docker-16", "docker-17",
     "docker-18", "docker-19", "docker-39")

# %% [markdown]
# ### Lab: commit, tag for a private registry, save

# %%
lab_task("docker-image-commit", solve=SOLVE)

# %% [markdown]
# ## 4. Dockerfile: ENTRYPOINT and CMD
#
# A Dockerfile has four kinds of content: the base (`FROM`), who maintains it (`LABEL`),
# instructions that build the file system (`RUN`, `COPY`, `ENV`, `WORKDIR` ...) and how the
# container starts (`ENTRYPOINT`, `CMD`, `EXPOSE`). The command a container runs is
# **ENTRYPOINT + CMD**:
#
# | Dockerfile | `docker run img` runs | `docker run img X` runs |
# |---|---|---|
# | `CMD ["echo", "hi"]` | `echo hi` | `X` (CMD replaced) |
# | `ENTRYPOINT ["echo", "hi"]` | `echo hi` | `echo hi X` |
# | `ENTRYPOINT ["echo"]` + `CMD ["hi"]` | `echo hi` | `echo X` |
# | `ENTRYPOINT echo hi` (shell form) | `/bin/sh -c "echo hi"` | same: CMD and X are ignored |
#
# Use the exec form (JSON array) so that your program is PID 1 and receives signals;
# `docker run --entrypoint` overrides the ENTRYPOINT. In Kubernetes `command:` replaces
# ENTRYPOINT and `args:` replaces CMD.

# %%
sh("""docker build -q -t demo-01/args:v1 - 2>/dev/null <<'EOF'
FROM busybox:1.35.0
CMD ["echo", "default", "command"]
EOF""")
sh("docker run --rm demo-01/args:v1")
sh("docker run --rm demo-01/args:v1 echo replaced")
sh("docker rmi demo-01/args:v1 >/dev/null")

# %%
quiz("docker-13", "docker-32", "docker-14", "docker-29", "docker-30")

# %%
lab_task("docker-entrypoint-cmd", solve=SOLVE)

# %% [markdown]
# ## 5. Networking
#
# | driver | what it gives a container |
# |---|---|
# | `bridge` (default) | its own network namespace with a veth pair plugged into a Linux bridge on the host (`docker0` for the default network); NAT to the outside, `-p` to come in |
# | `host` | the host's network namespace itself: no isolation, no port mapping |
# | `none` | a loopback interface only |
# | `overlay` | one network across hosts (VXLAN; Swarm) |
# | `macvlan` | its own MAC address on the physical network (cross-host) |
#
# A **user-defined bridge** network (`docker network create`) is better than the default one:
# containers on it find each other **by name** (Docker's embedded DNS), you choose the subnet and
# gateway, and only on such a network can a container get a **fixed IP** (`--ip`).
#
# ```mermaid
# flowchart LR
#   subgraph host
#     br["bridge demo-01-net<br/>gateway 172.31.77.1"]
#     a["demo-01-web<br/>172.31.77.10"] --- br
#     b["curl container<br/>172.31.77.x"] --- br
#     br -- "NAT, -p 8080:80" --- eth["host eth0"]
#   end
# ```

# %%
sh("docker network create --driver bridge --subnet 172.31.77.0/24 --gateway 172.31.77.1 demo-01-net")
sh("docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}} via {{.Gateway}}{{end}}' demo-01-net")
sh("docker run -d --name demo-01-web --network demo-01-net --ip 172.31.77.10 kubelab/web:v1")
sh("docker run --rm --network demo-01-net busybox:1.35.0 timeout 5 wget -qO- http://demo-01-web/")   # by name
sh("docker rm -f demo-01-web && docker network rm demo-01-net")

# %%
quiz("docker-20", "docker-21", "docker-22", "docker-27", "docker-40")

# %%
lab_task("docker-user-network", solve=SOLVE)

# %% [markdown]
# ## 6. Storage: the container layer, volumes and bind mounts
#
# The **storage driver** (`overlay2` on current systems) stacks the image layers and the
# container layer into the one file system a container sees, copy-on-write. That layer dies with
# the container, and writing to it is slower than to a plain directory. Data that must stay lives
# outside it:
#
# | | volume | bind mount |
# |---|---|---|
# | created by | Docker (`docker volume create`, or `-v name:/path`) | you: any host path |
# | lives in | `/var/lib/docker/volumes/<name>/_data` | wherever the path is |
# | `-v` form | `-v data:/var/lib/app` | `-v /srv/html:/usr/share/nginx/html:ro` |
# | empty at first? | filled from the image's files at that path | hides the image's files |
#
# Both outlive the container and can be shared by several containers; `docker cp` copies files
# between a container and the host either way.

# %%
sh("docker info --format 'storage driver: {{.Driver}}'")
sh("""docker volume create demo-01-vol >/dev/null &&
docker run --rm -v demo-01-vol:/data busybox:1.35.0 sh -c 'echo written once > /data/f'""")
sh("docker run --rm -v demo-01-vol:/data busybox:1.35.0 cat /data/f")     # a different container reads it
sh("docker volume inspect -f '{{.Mountpoint}}' demo-01-vol && docker volume rm demo-01-vol")

# %%
quiz("docker-23", "docker-24", "docker-25", "docker-26", "docker-28", "docker-31")

# %%
lab_task("docker-volume-data", solve=SOLVE)

# %% [markdown]
# ## Exam tips
#
# - `-p HOST:CONTAINER` - host first. `docker port NAME` shows what is published.
# - Keep containers alive: a detached container needs a long-running main process
#   (`sleep 3600`, a server); detach from `attach` with **Ctrl-P Ctrl-Q**, or use `exec`.
# - A network's subnet and gateway cannot be changed later: remove and re-create the network. A
#   container's fixed IP can be changed without re-creating it: `docker network disconnect NET C`, then
#   `docker network connect --ip NEW NET C` (Docker reference, `docker network connect`). `--ip` needs a
#   user-defined network with a subnet.
# - `save`/`load` = image with history; `export`/`import` = a container's flat file system.
# - `docker inspect -f '{{json .Config}}' IMAGE` shows ENTRYPOINT and CMD; the exec form is what
#   the exam expects.
# - Volumes outlive containers; `docker rm -v` removes anonymous volumes only, never named ones.
# - Check your work with `kubelab lab check <id>`; practise the commands with `kubelab quiz --topic docker`.
