"""Check primitives for kubelab labs (installed as `kubelab.graders`).

- results:       CheckResult / LabResult / Outcome and their renderings
- errors:        Failed / InfraError / Skipped, raised by primitives
- runner:        run one check with a timeout; exceptions become outcomes
- fields:        read manifest fields by path (`spec.containers[name=web].image`)
- k8s:           Kubernetes primitives (objects, pods, services, nodes, PVCs, exec, rollouts, jobs, secrets)
- docker_engine: Docker primitives (containers, ports, volumes, networks, fixed IPs, HTTP)
- cgroups:       memory/CPU limits from cgroup v1 and v2 files
- namespaces:    shared Linux namespaces via /proc/<pid>/ns inodes
"""
