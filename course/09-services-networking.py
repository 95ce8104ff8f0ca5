# %% [markdown]
# # 09 Services and networking
#
# **Learning objectives.** After this notebook you can
#
# - explain why Pods need a **Service** in front of them, and how its **selector** becomes
#   **EndpointSlices** (only Pods that are **Ready** get traffic);
# - choose between the Service types **ClusterIP**, **NodePort**, **LoadBalancer** and **ExternalName**,
#   and a **headless** Service (`clusterIP: None`);
# - tell `port`, `targetPort` (a number or a container port's **name**), `nodePort` and `containerPort`
#   apart, and give one Service several named ports;
# - find a Service or a StatefulSet Pod by its **DNS name** (`svc.ns.svc.cluster.local`,
#   `pod.svc.ns.svc.cluster.local`) and read a Pod's `resolv.conf` search path;
# - read the rules **kube-proxy** writes on a node (iptables mode on this cluster; IPVS and nftables modes,
#   and what each costs);
# - follow a packet from a Pod on one node to a Pod on another on this cluster's pod network (CNI);
# - reach a Service from your own machine with `kubectl port-forward`, and create Services quickly with
#   `kubectl expose` and `kubectl create service`;
# - write **NetworkPolicies**: a default deny, allows by pod and namespace selector and port, egress limited to
#   one Service plus DNS, and read a rule's OR/AND structure;
# - route HTTP by **host and path** with an Ingress, terminate **TLS** with a certificate from a Secret,
#   attach an **HTTPRoute** to a **Gateway**, and test both with a Host header from a Pod and from your machine.
#
# The examples run in the namespace `demo-09` (removed at the end). Nine graded labs sit in the notebook:
# five, one per kind of Service, whose checks send real requests and DNS lookups from a short-lived probe
# Pod in the lab's namespace (and, for the NodePort lab, from the node network, outside every Pod); two
# NetworkPolicy labs graded by requests that must and must not get through; and two Ingress labs graded by
# HTTP(S) requests through the cluster's ingress controller.

# %% tags=["parameters"]
SOLVE = False

# %% [markdown]
# **Your environment.** The panel shows the Docker engine, the lab images and the course cluster's nodes.
# Anything missing comes with the command that fixes it; run that in a terminal, then press
# **Refresh**.

# %%
from kubelab.course.nb import cluster_status

cluster_status()

# %%
from kubelab.course.nb import apply, lab_task, quiz, sh

# no grace period for the demo's Pods: their processes run as PID 1 and ignore SIGTERM, so each would wait 30 s
sh("kubectl delete pods --all -n demo-09 --grace-period=0 --force --ignore-not-found 2>/dev/null || true", quiet=True)
sh("kubectl delete namespace demo-09 --ignore-not-found --wait=true --timeout=60s", quiet=True)
sh("kubectl create namespace demo-09", quiet=True)

# %% [markdown]
# ## 1. Why Services: a stable name in front of Pods that come and go
#
# Every Pod gets its own IP, but Pods are cattle: a Deployment replaces them during a rollout, a node drain
# moves them, and each replacement has a new IP. Clients cannot chase those addresses. A **Service** is a
# fixed front door: a name and (usually) a virtual IP that stay the same while the Pods behind it change.
#
# The Service does not list its Pods. It carries a **label selector**, and a controller in
# kube-controller-manager keeps an up-to-date list of the matching Pods' addresses in **EndpointSlice**
# objects (labelled `kubernetes.io/service-name=<service>`). The older `Endpoints` object is still
# written for compatibility, but EndpointSlices are what kube-proxy and CoreDNS read today.
#
# ```mermaid
# flowchart LR
#   client["client Pod<br/>wget http://web:8080"] --> vip["Service web<br/>ClusterIP 10.96.x.y:8080<br/>selector app=web"]
#   ctrl["EndpointSlice controller<br/>(watches Services and Pods)"] -- writes --> eps["EndpointSlice web-xxxxx<br/>10.244.1.7:80 ready<br/>10.244.2.4:80 ready<br/>10.244.2.9:80 not ready"]
#   vip -. "kube-proxy on every node<br/>programs the node from the slices" .-> eps
#   eps --> p1["Pod app=web (Ready)"]
#   eps --> p2["Pod app=web (Ready)"]
#   eps -.x p3["Pod app=web<br/>readiness probe failing"]
# ```
#
# The controller reacts to every change: a new Service gets its slices, a Pod that appears, disappears or
# changes its labels or its readiness is added, removed or marked. **Readiness decides membership**: an
# endpoint whose Pod is not Ready stays in the slice with `ready: false`, and kube-proxy sends it nothing.
# That is how a readiness probe takes a Pod out of the traffic without restarting it (notebook 05).
#
# Below: a Deployment of two Pods, a Service for it made with `kubectl expose`, a third Pod with the
# same label whose readiness probe always fails (placed on `kubelab-worker2` with `nodeName`), and a client
# Pod on `kubelab-worker`.

# %%
sh("kubectl create deployment web -n demo-09 --image=kubelab/web:v1 --replicas=2 --port=80")
sh("kubectl expose deployment web -n demo-09 --port=8080 --target-port=80")
sh("""kubectl run unready -n demo-09 --image=kubelab/web:v1 --labels=app=web --overrides='
{"spec": {"nodeName": "kubelab-worker2", "containers": [{"name": "unready", "image": "kubelab/web:v1",
  "readinessProbe": {"exec": {"command": ["false"]}, "periodSeconds": 2}}]}}'""")
sh("""kubectl run client -n demo-09 --image=busybox:1.35.0 --restart=Never --overrides='{"spec": {"nodeName": "kubelab-worker"}}' --command -- sleep 3600""")
sh("kubectl rollout status deployment/web -n demo-09 --timeout=60s")
sh("kubectl wait -n demo-09 --for=condition=Ready pod/client --timeout=60s")
sh("kubectl wait -n demo-09 --for=jsonpath='{.status.phase}'=Running pod/unready --timeout=60s")
sh("kubectl get service web -n demo-09 -o wide")
sh(r"""kubectl get endpointslices -n demo-09 -l kubernetes.io/service-name=web -o jsonpath='{range .items[*].endpoints[*]}{.addresses[0]}  ready={.conditions.ready}  pod={.targetRef.name}{"\n"}{end}'""")

# %% [markdown]
# Two Pods are `ready=true`; the third is listed with `ready=false` and gets no traffic. A client Pod in the
# same namespace reaches the Service by its short name:

# %%
sh("kubectl exec -n demo-09 client -- wget -qO- http://web:8080/")

# %%
quiz("net-01", "net-19", "net-22", "net-23", "net-06")

# %% [markdown]
# ## 2. Ports: port, targetPort, nodePort, containerPort
#
# | field | where | meaning |
# |---|---|---|
# | `containerPort` | Pod spec | informational: what the container listens on (a **name** here can be used by Services and probes) |
# | `port` | Service | what clients connect to on the Service's IP (and name) |
# | `targetPort` | Service | where the traffic goes on the endpoints: a number, or a container port's **name**; left out, it equals `port` |
# | `nodePort` | Service (NodePort, LoadBalancer) | the port opened on **every** node, 30000-32767 by default |
#
# A `targetPort` by name (`targetPort: http`) survives a change of the container's port number and lets
# different Pods use different numbers for the same name. A Service with **more than one port** must name
# each port; the names also appear in the EndpointSlices and in DNS SRV records
# (`_http._tcp.web.demo-09.svc.cluster.local`).

# %%
apply("""
apiVersion: v1
kind: Service
metadata:
  name: web-named
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 80
  - name: alt
    port: 8081
    targetPort: 80
""", namespace="demo-09")
sh("kubectl describe service web-named -n demo-09 | grep -E 'Port|Endpoints'")

# %%
quiz("net-03", "net-21", "net-42", "net-48")

# %%
lab_task("svc-multi-port", solve=SOLVE)

# %% [markdown]
# ## 3. The Service types
#
# ```mermaid
# flowchart TB
#   ext["client outside the cluster"] --> lb["LoadBalancer<br/>an external address from a cloud<br/>(Alibaba Cloud SLB, AWS ELB ...)"]
#   lb --> np["NodePort<br/>nodeIP:30000-32767 on every node"]
#   ext -.-> np
#   np --> cip["ClusterIP<br/>virtual IP, inside the cluster only"]
#   cip --> pods["Ready endpoints (Pods)"]
#   en["ExternalName<br/>DNS CNAME only, no IP, no proxy"] -.-> other["another DNS name"]
#   hl["headless (clusterIP: None)<br/>DNS answers with the Pod IPs"] -.-> pods
# ```
#
# | type | what you get | typical use |
# |---|---|---|
# | `ClusterIP` (default) | a virtual IP from the Service range (here 10.96.0.0/16, the API server's `--service-cluster-ip-range`), reachable only from inside the cluster | every internal service |
# | `NodePort` | the ClusterIP **plus** a port on every node's IP that forwards to it | quick access from outside, on premises, behind your own load balancer |
# | `LoadBalancer` | NodePort **plus** an external load balancer that a cloud controller creates and writes into `status.loadBalancer.ingress` | public access in a cloud |
# | `ExternalName` | no IP, no endpoints: the cluster DNS answers the Service's name with a **CNAME** to `spec.externalName` | an alias for a database outside the cluster or a Service in another namespace |
# | headless (`clusterIP: None`) | no virtual IP and no kube-proxy rules: DNS answers with the Ready Pods' own IPs | StatefulSets (one name per Pod), clients that balance by themselves |
#
# The types nest: a LoadBalancer Service also has a node port and a cluster IP. A Service's cluster IP is
# **virtual**: no interface holds it, so `ping` gets no answer; only the ports the Service declares are
# translated.
#
# **NodePort** opens the same port on every node, whether a Pod of the Service runs there or not; with
# `externalTrafficPolicy: Local` only nodes with a Ready endpoint answer, and the client's source address
# is kept (with the default `Cluster` it is rewritten to the node's). The example asks for a NodePort and
# calls it from this notebook's machine, the host of the kind nodes, at a worker's address (the retries give
# kube-proxy the second it needs to program the new port):

# %%
sh("kubectl expose deployment web -n demo-09 --name=web-np --type=NodePort --port=80")
sh("kubectl get service web-np -n demo-09")
sh("""curl -s -m 5 --retry 5 --retry-connrefused --retry-delay 1 http://$(kubectl get node kubelab-worker -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}'):$(kubectl get service web-np -n demo-09 -o jsonpath='{.spec.ports[0].nodePort}')/""")

# %% [markdown]
# **LoadBalancer.** The Service object only asks for a load balancer; something outside Kubernetes has to
# provide it. In a cloud, the provider's cloud controller manager creates one: on Alibaba Cloud's ACK a
# LoadBalancer Service gets an **SLB** (Server Load Balancer) instance with a public address, on other clouds
# an ELB or an equivalent, and the address appears in the `EXTERNAL-IP` column. A kind cluster has no cloud.
# Without a load-balancer component the Service stays **`<pending>`** for ever, while its node port and
# cluster IP work as usual. This course cluster runs one: **MetalLB** (layer-2 mode, built offline like the
# rest of the cluster) hands out addresses of the kind network and answers ARP for them on the nodes, so this
# machine reaches the `EXTERNAL-IP` directly (section 9 says more):

# %%
sh("kubectl expose deployment web -n demo-09 --name=web-lb --type=LoadBalancer --port=80")
sh("kubectl wait -n demo-09 --for=jsonpath='{.status.loadBalancer.ingress[0].ip}' service/web-lb --timeout=30s", check=False)
sh("kubectl get service web-lb -n demo-09")
sh("curl -s -m 5 http://$(kubectl get service web-lb -n demo-09 -o jsonpath='{.status.loadBalancer.ingress[0].ip}')/", check=False)

# %% [markdown]
# For public HTTP, an Ingress (section 9) in front of ClusterIP Services is the usual alternative to one
# load balancer per Service: the same vendor notes expose an nginx application with a ClusterIP Service and
# an Ingress.

# %%
quiz("net-02", "net-04", "net-05", "net-24", "net-25", "net-30", "net-47", "net-26", "net-27", "net-28", "net-29")

# %%
lab_task("svc-clusterip-dns", solve=SOLVE)

# %%
lab_task("svc-nodeport-host", solve=SOLVE)

# %% [markdown]
# ## 4. Service discovery by DNS
#
# CoreDNS (Deployment `coredns` in `kube-system`, behind the Service `kube-dns`) watches Services and
# EndpointSlices and answers for the cluster domain `cluster.local`:
#
# | name | answer |
# |---|---|
# | `web.demo-09.svc.cluster.local` | A record: the ClusterIP of Service `web` in namespace `demo-09` |
# | `headless.demo-09.svc.cluster.local` | A records: the IP of every Ready endpoint of a headless Service |
# | `db-0.db.demo-09.svc.cluster.local` | A record of one Pod: a StatefulSet Pod (`hostname` db-0, `subdomain` db) governed by the headless Service `db` |
# | `alias.demo-09.svc.cluster.local` | CNAME to `spec.externalName` (ExternalName Service) |
# | `_http._tcp.web.demo-09.svc.cluster.local` | SRV record: the port named `http` |
#
# The kubelet writes each Pod's `/etc/resolv.conf`: the nameserver is the `kube-dns` Service's IP, and the
# **search** list `<ns>.svc.cluster.local svc.cluster.local cluster.local` lets a Pod use `web` for a Service
# of its own namespace and `web.other` for one in namespace `other`. `ndots:5` makes names with fewer than
# five dots try the search list first.

# %%
sh("kubectl exec -n demo-09 client -- cat /etc/resolv.conf")
sh("kubectl exec -n demo-09 client -- nslookup web.demo-09.svc.cluster.local")

# %% [markdown]
# A **headless** Service for the same Pods answers with the Pod IPs themselves (the not-ready Pod is left
# out), and an **ExternalName** Service answers with a CNAME:

# %%
apply("""
apiVersion: v1
kind: Service
metadata:
  name: web-headless
spec:
  clusterIP: None
  selector:
    app: web
  ports:
  - port: 80
""", namespace="demo-09")
sh("kubectl create service externalname api -n demo-09 --external-name=kubernetes.default.svc.cluster.local")
sh("sleep 2; kubectl exec -n demo-09 client -- nslookup web-headless.demo-09.svc.cluster.local")
sh("kubectl exec -n demo-09 client -- nslookup api.demo-09.svc.cluster.local")

# %%
quiz("net-09", "net-10", "net-18", "net-20", "net-11", "net-12", "net-31", "net-32", "net-33")

# %%
lab_task("svc-headless-dns", solve=SOLVE)

# %%
lab_task("svc-externalname", solve=SOLVE)

# %% [markdown]
# ## 5. kube-proxy: how a virtual IP reaches a Pod
#
# A ClusterIP exists only as rules on each node. **kube-proxy** (a DaemonSet) watches Services and
# EndpointSlices and programs the node's kernel so that a packet to `ClusterIP:port` (or `nodeIP:nodePort`)
# is **DNAT**-ed to one Ready endpoint. It is not in the data path itself; the kernel is.
#
# | mode | how | cost |
# |---|---|---|
# | `iptables` (default on Linux; this cluster) | chains in the `nat` table: `KUBE-SERVICES` -> one `KUBE-SVC-...` chain per Service port -> one `KUBE-SEP-...` per endpoint, picked at random (`-m statistic --probability`) | rules are matched one after another and the whole table is rewritten on changes: with tens of thousands of Services an update takes minutes or more |
# | `ipvs` | the kernel's IP Virtual Server: a hash table per virtual address, real load-balancing algorithms (round robin, least connections ...) | lookup and updates stay fast at any size; needs the IPVS kernel modules, and the project now points new clusters to nftables |
# | `nftables` | one nftables table with **maps** (verdict maps) instead of long chains | the successor of both: fast lookups and incremental updates |
#
# The study notes measured it: adding one rule with 5,000 Services took 11 minutes with iptables and 50 µs with
# IPVS. The mode is in kube-proxy's ConfigMap; the nodes of this cluster use `iptables` with the nf_tables
# backend (`iptables-save` still shows the rules). The rules for `demo-09/web` on a worker:

# %%
sh(r"kubectl get configmap kube-proxy -n kube-system -o jsonpath='{.data.config\.conf}' | grep -E '^mode'")
sh("""docker exec kubelab-worker iptables-save -t nat | grep -E 'comment "demo-09/web( |")' | grep -v KUBE-MARK-MASQ""")

# %% [markdown]
# `iptables-save` prints the chains in alphabetical order; follow the packet instead: `KUBE-SERVICES` matches the ClusterIP and port and jumps to the Service's
# `KUBE-SVC-...` chain; that chain picks one `KUBE-SEP-...` (endpoint) chain, the first with probability
# 1/2 and the last always, so that each endpoint gets an even share; the endpoint chain DNATs to
# `PodIP:targetPort`. The not-ready Pod has no `KUBE-SEP` chain at all.

# %%
quiz("net-07", "net-08", "net-34", "net-35", "net-36")

# %% [markdown]
# ## 6. The network model and this cluster's pod network
#
# Kubernetes asks four things of the network and leaves the implementation to a plugin:
#
# 1. **containers of one Pod** share its network namespace (set up with the pause container): they talk over
#    `localhost` (notebook 03);
# 2. **Pod to Pod**: every Pod has its own IP, and every Pod reaches every other Pod on any node with that
#    IP, **without NAT**; nodes reach Pods too;
# 3. **Service to Pod**: Services give stable virtual addresses in front of Pods (sections 1-5);
# 4. **outside to Service**: NodePort, LoadBalancer, Ingress.
#
# The **CNI** (Container Network Interface) is the contract between the container runtime and the network
# plugin: when a Pod sandbox is created, the runtime creates its network namespace and runs the plugin
# binaries named in `/etc/cni/net.d/` (from `/opt/cni/bin`) to give it an interface, an address and routes;
# on deletion it calls them again to clean up. Flannel (an overlay: VXLAN by default, or `host-gw` routes),
# Calico (BGP routing, with NetworkPolicy) and Cilium (eBPF) are well-known plugins.
#
# Every plugin must solve two problems: Pods on different nodes must not get the same address (each node
# gets its own slice, the **podCIDR**, of the cluster range 10.244.0.0/16), and a node must know where the
# other nodes' Pods are. This course cluster's own agent, `kubelab-cni` (a DaemonSet), does the simplest thing
# that works on one Docker network: it writes a CNI config using the standard `ptp` plugin (one veth pair per
# Pod) with `host-local` addresses from the node's podCIDR, and it adds a **route to every other node's
# podCIDR via that node's IP**. No tunnel, no encapsulation: like Flannel's `host-gw`.
#
# ```mermaid
# flowchart LR
#   subgraph w1["kubelab-worker (10.210.1.x), podCIDR 10.244.2.0/24"]
#     a["Pod A 10.244.2.5<br/>eth0"] -- veth pair --> h1["node's veth<br/>route 10.244.2.5 dev vethX"]
#     h1 --> r1["route 10.244.1.0/24 via worker2's IP"]
#   end
#   r1 -- "Docker network<br/>(the packet keeps src 10.244.2.5, dst 10.244.1.7)" --> r2
#   subgraph w2["kubelab-worker2, podCIDR 10.244.1.0/24"]
#     r2["eth0"] --> h2["route 10.244.1.7 dev vethY"] -- veth pair --> b["Pod B 10.244.1.7"]
#   end
# ```
#
# (The addresses are those of one run: which node gets which podCIDR is decided when the cluster is made.)
# Look at it live: the nodes' podCIDRs, the routes on `kubelab-worker` (one per other node, one per local Pod's
# veth) and the CNI config the agent wrote there; then the path from the client Pod (on `kubelab-worker`) to the
# `unready` Pod (on `kubelab-worker2`), and a request straight to that Pod's IP. No Service is involved, so
# the Pod answers although it is not Ready: readiness only decides Service membership.

# %%
sh("kubectl get nodes -o custom-columns='NAME:.metadata.name,INTERNAL-IP:.status.addresses[0].address,POD-CIDR:.spec.podCIDR'")
sh("docker exec kubelab-worker ip route | grep -v veth; docker exec kubelab-worker ip route | grep veth | head -n 3")
sh("docker exec kubelab-worker cat /etc/cni/net.d/10-kubelab.conflist")
sh("kubectl get pods -n demo-09 client unready -o wide")
sh("""docker exec kubelab-worker ip route get $(kubectl get pod unready -n demo-09 -o jsonpath='{.status.podIP}')""")
sh("""kubectl exec -n demo-09 client -- wget -qO- http://$(kubectl get pod unready -n demo-09 -o jsonpath='{.status.podIP}')/""")

# %%
quiz("net-13", "net-14", "net-15", "net-16", "net-17", "net-37", "net-38")

# %% [markdown]
# ## 7. From your machine: port-forward, expose, create service
#
# `kubectl port-forward` opens a local port and tunnels it through the API server and the kubelet to **one**
# Pod: `kubectl port-forward svc/web 18080:8080` picks one Pod behind the Service (no load balancing) and
# forwards to its `targetPort`. It needs no Service type, opens nothing on the nodes and lasts as long as
# the command runs; good for debugging, not for users.
#
# The quick ways to make Services in the exam:
#
# | command | gives |
# |---|---|
# | `kubectl expose deployment web --port=8080 --target-port=80` | a ClusterIP Service `web` with the Deployment's selector |
# | `kubectl expose deployment web --type=NodePort --port=80 --name=web-np` | a NodePort Service (random node port) |
# | `kubectl expose pod p --port=80` | a Service selecting the Pod's labels |
# | `kubectl create service clusterip web --tcp=8080:80` | selector `app=web` (from the name!), port named `8080-80` |
# | `kubectl create service nodeport web --tcp=80:80 --node-port=30080` | a fixed node port |
# | `kubectl create service externalname db --external-name=db.example.com` | an ExternalName Service |
# | `kubectl run web --image=... --port=80 --expose` | a Pod and a ClusterIP Service for it |

# %%
sh("kubectl port-forward -n demo-09 service/web 18080:8080 > /tmp/demo-09-port-forward.log 2>&1 & PF=$!; sleep 2; curl -s -m 5 http://127.0.0.1:18080/; kill $PF")

# %%
quiz("net-39", "net-40", "net-41")

# %% [markdown]
# ## 8. NetworkPolicy
#
# Out of the box, the pod network is flat and open: any Pod reaches any Pod, in any namespace. A
# **NetworkPolicy** is a namespaced firewall rule for Pods, chosen by labels:
#
# - `podSelector` picks the Pods the policy protects (`{}`: every Pod of the namespace);
# - `policyTypes: [Ingress]` and/or `[Egress]` say which directions it governs. A Pod that at least one policy
#   selects for a direction becomes **isolated** in that direction: only what some policy allows gets through;
#   policies add up (a union of allows, there is no deny rule and no order);
# - `ingress.from` / `egress.to` list peers: `podSelector`, `namespaceSelector` (both in one entry: Pods with
#   those labels in namespaces with those labels), `ipBlock`; `ports` narrows to ports and protocols.
#
# A policy with `podSelector: {}` and `policyTypes: [Ingress]` and no rules is the **default deny** for
# incoming traffic. Egress policies must allow DNS (UDP and TCP 53 to the cluster DNS) or names stop resolving.
# Policies are enforced by the network plugin, not by the API server: with a plugin that does not enforce them
# they are accepted and do nothing.
#
# ```mermaid
# flowchart LR
#   fe["Pod app=frontend"] -- "allowed: from podSelector app=frontend, port 80" --> api["Pod app=api<br/>(selected by the policy)"]
#   other["Pod app=other"] -. "dropped: no rule allows it" .-x api
# ```
#
# **Reading a rule: one list item per peer.** Inside `from` (or `to`), each `-` starts a peer, and a
# connection that matches *any* peer of a rule is allowed (OR). Two selectors in the *same* item must both
# match (AND). The difference is one dash:
#
# ```yaml
# from:                                   # OR: every pod of namespaces team=a, plus role=client pods here
# - namespaceSelector: {matchLabels: {team: a}}
# - podSelector: {matchLabels: {role: client}}
#
# from:                                   # AND: only role=client pods of namespaces team=a
# - namespaceSelector: {matchLabels: {team: a}}
#   podSelector: {matchLabels: {role: client}}
# ```
#
# Within one rule, `from` and `ports` narrow each other (these sources, on these ports); a rule without `from`
# accepts any source, without `ports` any port. Ports are the **Pod's** ports (a number, or the name of a
# container port), never the Service's: kube-proxy has already translated the Service port when the policy
# looks at the packet. Replies to an allowed connection always get back (connection tracking), so you never
# write a rule for them.
#
# **Who enforces it on this cluster.** kubelab's own pod network agent only routes between the nodes' pod
# ranges. NetworkPolicy is enforced by an add-on that `kubelab cluster up` deploys: kube-router's firewall
# controller, one Pod per node in `kube-system`. For every Pod a policy selects it writes iptables chains and
# ipsets (sets of the peer Pods' addresses) on the Pod's node; a connection no rule allows is **rejected**,
# so a client sees "connection refused" at once instead of waiting for a timeout. Pods that no policy selects
# are left alone, and traffic from a Pod's own node (the kubelet's probes) is always let in:

# %%
sh("kubectl get daemonset kubelab-netpol -n kube-system -o wide")
sh("docker exec kubelab-worker iptables -S | grep -c KUBE-POD-FW || true")

# %% [markdown]
# **Worked example: default deny, then one allow.** Two web Pods behind a Service, and two client Pods, one
# labelled `role=client` and one without labels. First everything is open:

# %%
sh("kubectl create deployment shop -n demo-09 --image=kubelab/web:v1 --replicas=2 --port=80")
sh("kubectl expose deployment shop -n demo-09 --port=80")
sh("kubectl run friend -n demo-09 --image=busybox:1.35.0 --labels=role=client --restart=Never --command -- sleep 3600")
sh("kubectl run stranger -n demo-09 --image=busybox:1.35.0 --restart=Never --command -- sleep 3600")
sh("kubectl rollout status deployment/shop -n demo-09 --timeout=60s")
sh("kubectl wait -n demo-09 --for=condition=Ready pod/friend pod/stranger --timeout=60s")
sh("kubectl exec -n demo-09 friend -- timeout 3 wget -qO- http://shop/")
sh("kubectl exec -n demo-09 stranger -- timeout 3 wget -qO- http://shop/")

# %% [markdown]
# A default deny for ingress: every Pod of the namespace stops accepting connections (the other demo Pods of
# this notebook too).

# %%
apply("""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
spec:
  podSelector: {}
  policyTypes: [Ingress]
""", "demo-09")
sh("sleep 2; kubectl exec -n demo-09 friend -- timeout 3 wget -qO- http://shop/", check=False)

# %% [markdown]
# Now one allow: Pods labelled `role=client` may reach the `app=shop` Pods on TCP port 80. The stranger
# stays out. (The agent applies a policy a moment after the API stores it, hence the little retry loop.)

# %%
apply("""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: shop-from-clients
spec:
  podSelector:
    matchLabels: {app: shop}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector:
        matchLabels: {role: client}
    ports:
    - protocol: TCP
      port: 80
""", "demo-09")
sh("kubectl describe networkpolicy shop-from-clients -n demo-09")
sh("kubectl exec -n demo-09 friend -- sh -c 'for i in 1 2 3 4 5; do timeout 3 wget -qO- http://shop/ && exit 0; sleep 1; done; exit 1'")
sh("kubectl exec -n demo-09 stranger -- timeout 3 wget -qO- http://shop/", check=False)

# %% [markdown]
# **Egress and DNS.** Restricting what a Pod may *send* works the same way with `policyTypes: [Egress]` and
# `egress.to`. The classic trap: once the client is isolated for egress, its DNS queries to CoreDNS are
# blocked too, and `wget http://shop/` fails before it sends anything. Allow the cluster DNS explicitly:
#
# ```yaml
# egress:
# - to:
#   - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
#     podSelector: {matchLabels: {k8s-app: kube-dns}}
#   ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
# ```
#
# Every namespace carries the label `kubernetes.io/metadata.name` with its own name, which is how a policy
# names one namespace. Without the `ports` line the rule would open every port of the CoreDNS Pods.

# %%
apply("""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: friend-egress
spec:
  podSelector:
    matchLabels: {role: client}
  policyTypes: [Egress]
  egress:
  - to:
    - podSelector:
        matchLabels: {app: shop}
    ports:
    - port: 80
""", "demo-09")
sh("sleep 2; kubectl exec -n demo-09 friend -- timeout 3 wget -qO- http://shop/", check=False)
sh("kubectl exec -n demo-09 friend -- timeout 3 wget -qO- http://$(kubectl get svc shop -n demo-09 -o jsonpath='{.spec.clusterIP}')/")

# %% [markdown]
# By name it fails (the lookup is blocked); by the Service's IP it works. Adding the DNS rule repairs the name:

# %%
sh("""kubectl patch networkpolicy friend-egress -n demo-09 --type=json -p '[{"op": "add", "path": "/spec/egress/-", "value":
  {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
           "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
   "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}}]'""")
sh("kubectl exec -n demo-09 friend -- sh -c 'for i in 1 2 3 4 5; do timeout 3 wget -qO- http://shop/ && exit 0; sleep 1; done; exit 1'")
sh("kubectl delete networkpolicy default-deny-ingress shop-from-clients friend-egress -n demo-09")
sh("kubectl delete pod friend stranger -n demo-09 --grace-period=0 --force 2>/dev/null || true", quiet=True)

# %% [markdown]
# **Exam tips for NetworkPolicy.**
#
# - There is no `kubectl create networkpolicy`: copy a policy from the docs (search "NetworkPolicy" on
#   kubernetes.io) or start from the default deny above and add rules. `kubectl explain networkpolicy.spec.ingress`
#   lists the fields.
# - Test with real requests, both ways: one Pod that must get through and one that must not
#   (`kubectl run t --rm -it --restart=Never --image=busybox:1.35.0 -l role=client -- timeout 3 wget -qO- http://svc/`).
#   A policy the plugin does not enforce looks perfect in `kubectl get`.
# - `kubectl describe networkpolicy` spells out each rule: check there that two selectors are in one peer (AND)
#   when you meant AND.
# - A default deny of **egress** cuts DNS: add port 53 (UDP and TCP) to kube-dns, or names stop resolving.
# - Policies select Pods by label, never Services; ports are container ports (names work, they are looked up on
#   each selected Pod).
# - Policies only add: to block something a policy allows, change or delete that policy.

# %%
quiz("net-43", "net-44", "netpol-01", "netpol-02", "netpol-03", "netpol-04", "netpol-05", "netpol-06",
     "netpol-07", "netpol-08", "netpol-09", "netpol-10")

# %% [markdown]
# **Lab: default deny, then one client on one port.** The checker starts probe Pods with and without the
# client label and fetches from the Services: what counts is what gets through, not how the policies are written.

# %%
lab_task("netpol-default-deny-allow", solve=SOLVE)

# %% [markdown]
# **Lab: egress to one Service plus DNS.**

# %%
lab_task("netpol-egress", solve=SOLVE)

# %% [markdown]
# ## 9. Ingress and Gateway API
#
# A Service works at layer 4 (addresses and ports). For HTTP, one entry point can serve many Services by
# **host name and path**:
#
# - an **Ingress** object holds rules (`host: shop.example.com`, `path: /api` -> Service `api` port 80) and
#   optional TLS (a `kubernetes.io/tls` Secret per host). It does nothing by itself: an **ingress controller**
#   (an nginx-, HAProxy- or Envoy-based proxy running in the cluster, selected by `ingressClassName`) reads the
#   Ingresses and configures itself; the controller is reached through a NodePort or LoadBalancer Service;
# - the **Gateway API** (`gateway.networking.k8s.io`) is Ingress's more expressive successor, split by role:
#   a **GatewayClass** (the implementation, from the platform team), a **Gateway** (listeners: ports,
#   protocols, TLS, from the cluster operator) and **HTTPRoute**s (the routing rules, from application teams),
#   with header matching, traffic splitting by weight and cross-namespace rules that Ingress only had as
#   controller-specific annotations.
#
# ```mermaid
# flowchart LR
#   user["https://shop.example.com/api"] --> ctl["ingress controller / Gateway<br/>(NodePort or LoadBalancer Service)"]
#   ctl -- "host shop.example.com, path /api" --> api["Service api"] --> apods["Pods"]
#   ctl -- "path /" --> web["Service web"] --> wpods["Pods"]
# ```

# %%
quiz("net-45", "net-46")

# %% [markdown]
# ### On this cluster: Traefik, IngressClass `traefik`
#
# `kubelab cluster up` installs **Traefik** v3.5.4 as the course cluster's controller (built from the Go
# module proxy like the rest of the cluster; see `docs/ingress.md`). It runs in `kube-system`, behind the
# NodePort Service `traefik`: HTTP on node port **32080**, HTTPS on **32443** of every node. Its
# IngressClass `traefik` is marked as the **default class** (annotation
# `ingressclass.kubernetes.io/is-default-class: "true"`), so an Ingress without `ingressClassName` is given
# `traefik` when it is created. An Ingress naming a class no controller serves (`nginx` here) is stored and
# ignored: no error, just no route.
#
# How a request finds its backend: the client connects to the controller (a node port, or the controller's
# Service from inside the cluster) and names the site in the **Host header** (for HTTPS also in the TLS
# **SNI**). The controller matches host and path against the rules of every Ingress of its class, picks the
# backend **Service**, and sends the request straight to one of that Service's ready endpoints (it reads
# the EndpointSlices itself; kube-proxy is not on that hop).
#
# ```mermaid
# flowchart LR
#   host["this machine<br/>curl -H 'Host: shop.demo.test'<br/>http://NODE-IP:32080/api/x"] --> np["node port 32080<br/>(kube-proxy)"]
#   pod["client Pod<br/>wget --header 'Host: ...'<br/>http://traefik.kube-system/api/x"] --> svc["Service kube-system/traefik"]
#   np --> t["Traefik Pod<br/>rules of every Ingress<br/>of class traefik"]
#   svc --> t
#   t -- "Host shop.demo.test, /api..." --> api["endpoints of Service shop-api"]
#   t -- "Host shop.demo.test, / ..." --> web["endpoints of Service web"]
# ```
#
# A worked example: the Deployment `web` from section 1 (it answers `kubelab web v1`), a second one,
# `shop-api` (a busybox web server whose `/api/` page says `api answered`; the name `api` is taken by
# section 4's ExternalName Service), and one Ingress with two paths on
# one host. No DNS entry is needed: the
# Host header carries the name.

# %%
sh("kubectl get ingressclass")
sh("kubectl create deployment shop-api -n demo-09 --image=busybox:1.35.0 --port=80 -- sh -c 'mkdir -p /www/api && echo api answered > /www/api/index.html && exec httpd -f -p 80 -h /www'")
sh("kubectl expose deployment shop-api -n demo-09 --port=80")
sh("kubectl rollout status deployment/shop-api -n demo-09 --timeout=60s")
apply("""
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: shop
    spec:
      ingressClassName: traefik
      rules:
      - host: shop.demo.test
        http:
          paths:
          - path: /
            pathType: Prefix
            backend:
              service: {name: web, port: {number: 8080}}
          - path: /api
            pathType: Prefix
            backend:
              service: {name: shop-api, port: {number: 80}}
    """, namespace="demo-09")
sh("kubectl get ingress shop -n demo-09")
sh("kubectl describe ingress shop -n demo-09 | sed -n '/Rules:/,/Events:/p'")

# %% [markdown]
# From a Pod, through the controller's Service (the controller needs a moment to pick up a new Ingress):

# %%
sh("sleep 3; kubectl exec -n demo-09 client -- wget -qO- --header 'Host: shop.demo.test' http://traefik.kube-system/")
sh("kubectl exec -n demo-09 client -- wget -qO- --header 'Host: shop.demo.test' http://traefik.kube-system/api/")
sh("kubectl exec -n demo-09 client -- wget -S -O /dev/null --header 'Host: other.demo.test' http://traefik.kube-system/ 2>&1 | grep HTTP/", check=False)

# %% [markdown]
# From this machine, to the node port on any node (the host sits on the kind network, so the nodes'
# addresses are reachable; `kubectl get nodes -o wide` lists them). An unknown host gets the controller's
# own `404 page not found`:

# %%
sh("""curl -s -H 'Host: shop.demo.test' http://$(kubectl get node kubelab-worker -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}'):32080/api/""")
sh("""curl -s -H 'Host: other.demo.test' http://$(kubectl get node kubelab-worker -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}'):32080/""")

# %% [markdown]
# **Matching.** `pathType: Prefix` matches whole path elements (`/api` matches `/api` and `/api/x`, not
# `/apix`), `Exact` the exact string, `ImplementationSpecific` whatever the controller does (Traefik: a
# prefix). When several paths match, the spec prefers the **longest**, and Exact over Prefix on a tie; the
# order in the manifest does not matter. A rule without `host` matches every host name.
#
# *A difference of this controller:* Traefik ranks routes by the length of the rule it generates, so a
# short **Exact** path (`/api`) next to a **Prefix** `/` on the same host loses to the `/` route: Traefik
# sends `/api` to `web`, where ingress-nginx (the controller of most exam clusters) sends it to `api`. Two
# Prefix paths behave as the spec says. On the exam, read the task: "`/api` and everything below" is
# Prefix; "exactly `/healthz`" is Exact.
#
# **TLS.** `spec.tls` lists host names and a Secret of type `kubernetes.io/tls` (keys `tls.crt`,
# `tls.key`) in the Ingress's namespace. The controller ends TLS with that certificate, picked by the
# client's SNI, and forwards plain HTTP to the Service. Traefik on this cluster serves HTTPS on every
# route; without a `tls` entry it answers with its own `TRAEFIK DEFAULT CERT`.

# %%
sh("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=shop.demo.test -addext subjectAltName=DNS:shop.demo.test -keyout /tmp/demo-09-tls.key -out /tmp/demo-09-tls.crt 2>/dev/null")
sh("kubectl create secret tls shop-tls -n demo-09 --cert=/tmp/demo-09-tls.crt --key=/tmp/demo-09-tls.key")
sh("rm -f /tmp/demo-09-tls.key /tmp/demo-09-tls.crt", quiet=True)
sh("""kubectl patch ingress shop -n demo-09 --type=merge -p '{"spec": {"tls": [{"hosts": ["shop.demo.test"], "secretName": "shop-tls"}]}}'""")
sh("""sleep 3; curl -sk -v --resolve shop.demo.test:32443:$(kubectl get node kubelab-worker -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}') https://shop.demo.test:32443/api/ 2>&1 | grep -E 'subject:|issuer:|api answered'""")

# %% [markdown]
# ### Gateway API on this cluster
#
# The cluster also serves the Gateway API (the standard-channel CRDs of `sigs.k8s.io/gateway-api` v1.6.3,
# GatewayClass `traefik`). The roles are split: the GatewayClass names the implementation, a **Gateway**
# opens listeners (protocol, port, optional hostname and TLS), and **HTTPRoute**s attach to a Gateway
# through `parentRefs` and carry the matches and the backends. A listener accepts routes only from its own
# namespace unless `allowedRoutes.namespaces.from` says `All` or `Selector`; a route pointing at a Service in
# another namespace needs a **ReferenceGrant** there. With Traefik, a listener's `port` must be one of the
# controller's entry points: 80 (HTTP) or 443 (HTTPS).

# %%
apply("""
    apiVersion: gateway.networking.k8s.io/v1
    kind: Gateway
    metadata:
      name: demo
    spec:
      gatewayClassName: traefik
      listeners:
      - name: http
        protocol: HTTP
        port: 80
        hostname: "*.gw.demo.test"
    ---
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata:
      name: shop
    spec:
      parentRefs:
      - name: demo
      hostnames: ["shop.gw.demo.test"]
      rules:
      - matches:
        - path: {type: PathPrefix, value: /api}
        backendRefs:
        - {name: shop-api, port: 80}
      - backendRefs:
        - {name: web, port: 8080}
    """, namespace="demo-09")
sh("kubectl wait -n demo-09 --for=condition=Programmed gateway/demo --timeout=60s")
sh("kubectl get gateway,httproute -n demo-09")
sh("sleep 2; kubectl exec -n demo-09 client -- wget -qO- --header 'Host: shop.gw.demo.test' http://traefik.kube-system/api/")

# %% [markdown]
# ### LoadBalancer Services on this cluster
#
# The course cluster runs **MetalLB** (v0.15.2, built from the Go module proxy like Traefik) in layer-2
# mode: its controller takes an address from the pool `kind` (50 addresses at the top of the kind network,
# `kubectl get ipaddresspool -n metallb-system`) for every LoadBalancer Service, and its speakers answer
# ARP for that address on the nodes' network, so this machine reaches it directly. The controller's own
# Service `kube-system/traefik` is a LoadBalancer too; that address is what `kubectl get ingress` shows
# under ADDRESS. On a machine where the add-on could not be built, `EXTERNAL-IP` stays `<pending>`: nothing
# writes `status.loadBalancer`, while the cluster IP and the node ports work as usual.

# %%
sh("kubectl get service traefik -n kube-system")
sh("kubectl get ingress shop -n demo-09")
sh("""curl -s -m 5 -H 'Host: shop.demo.test' http://$(kubectl get service traefik -n kube-system -o jsonpath='{.status.loadBalancer.ingress[0].ip}')/api/""")

# %%
quiz("net-ing-01", "net-ing-02", "net-ing-03", "net-ing-04", "net-ing-05", "net-ing-06", "net-ing-07",
     "net-ing-08", "net-ing-09", "net-ing-10")

# %% [markdown]
# **Ingress exam tips.**
#
# - `kubectl create ingress NAME --class=CLASS --rule="host/path*=svc:port,tls=secret"`: `path*` is Prefix,
#   a path without `*` is Exact; one `--rule` per host/path. Check the result with `kubectl describe ingress`
#   (it lists each rule's backend and whether the Service exists).
# - The backend port is the **Service's** port (number or name), not the container's.
# - The Secret for `tls` must be in the Ingress's namespace: `kubectl create secret tls NAME --cert=... --key=...`.
# - Test with the Host header instead of editing `/etc/hosts`: `curl -H 'Host: shop.example.com' http://NODE:PORT/`,
#   for HTTPS `curl -k --resolve shop.example.com:PORT:NODE https://shop.example.com:PORT/`.
# - `kubectl get ingressclass` shows the classes and which one is default; a wrong `ingressClassName` fails
#   silently.
# - Gateway API: `kubectl get gateway` (PROGRAMMED) and `kubectl describe httproute` (conditions `Accepted`,
#   `ResolvedRefs`) say whether a route was attached.

# %%
lab_task("ingress-hosts-paths", solve=SOLVE)

# %%
lab_task("ingress-tls", solve=SOLVE)

# %% [markdown]
# ## 10. Exam tips
#
# - `kubectl expose` copies the selector for you; `kubectl create service` guesses `app=<name>`. Check what a
#   Service selects with `kubectl get endpointslices -l kubernetes.io/service-name=NAME` or `kubectl describe svc`:
#   `Endpoints: <none>` means the selector matches no Ready Pod (compare with `kubectl get pods --show-labels`).
# - Test from inside: `kubectl run tmp --rm -it --image=busybox:1.35.0 --restart=Never -- wget -qO- http://svc.ns:port/`
#   (or `nslookup svc.ns`); from outside with `curl http://<node-ip>:<nodePort>/` or `kubectl port-forward`.
# - `port` is the Service's, `targetPort` the Pod's; a missing `targetPort` equals `port`. Wrong `targetPort`:
#   endpoints exist but connections fail or hang.
# - `clusterIP` cannot be changed on an existing Service: to make it headless, delete and re-create it.
# - Multi-port Services need a `name` per port; `kubectl explain service.spec.ports` lists the fields.
# - DNS: `svc.ns.svc.cluster.local`; a StatefulSet Pod: `pod-0.svc.ns.svc.cluster.local`, from the endpoints of
#   the Service named in `serviceName`, which should be headless: only then does the Service's own name
#   answer with the Pods' IPs.

# %%
sh("kubectl delete pods --all -n demo-09 --grace-period=0 --force 2>/dev/null || true", quiet=True)
sh("kubectl delete namespace demo-09 --wait=false", quiet=True)
