"""graders.meaning: comparisons by meaning (images, quantities, ports, schedules, selectors, commands)."""

import pytest

from kubelab.graders import meaning as m

DIGEST = "sha256:" + "0123456789abcdef" * 4
OTHER = "sha256:" + "fedcba9876543210" * 4


# ---- images -----------------------------------------------------------------------------------

@pytest.mark.parametrize("ref, full", [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.22.1", "docker.io/library/nginx:1.22.1"),
    ("library/nginx:1.22.1", "docker.io/library/nginx:1.22.1"),
    ("docker.io/nginx:1.22.1", "docker.io/library/nginx:1.22.1"),
    ("docker.io/library/nginx:1.22.1", "docker.io/library/nginx:1.22.1"),
    ("index.docker.io/library/nginx:1.22.1", "docker.io/library/nginx:1.22.1"),
    ("kubelab/web:v1", "docker.io/kubelab/web:v1"),
    ("busybox:1.35.0", "docker.io/library/busybox:1.35.0"),
    ("localhost/web", "localhost/web:latest"),
    ("localhost:5000/web:v1", "localhost:5000/web:v1"),
    ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
    ("quay.io/org/app", "quay.io/org/app:latest"),
    ("  nginx:1.22.1 ", "docker.io/library/nginx:1.22.1"),
    (f"nginx@{DIGEST}", f"docker.io/library/nginx@{DIGEST}"),
    (f"nginx:1.22.1@{DIGEST}", f"docker.io/library/nginx@{DIGEST}"),   # containerd drops the tag
    (f"localhost:5000/web:v1@{DIGEST}", f"localhost:5000/web@{DIGEST}"),
])
def test_normalize_image(ref, full):
    assert m.normalize_image(ref) == full


def test_same_image():
    assert m.same_image("nginx:1.22.1", "docker.io/library/nginx:1.22.1")   # the pods-basics case
    assert m.same_image("busybox:1.35.0", "docker.io/library/busybox:1.35.0")
    assert m.same_image("nginx", "nginx:latest")
    assert m.same_image("kubelab/web:v1", "docker.io/kubelab/web:v1")
    assert not m.same_image("nginx:1.22", "nginx:1.22.1")
    assert not m.same_image("nginx:1.22.1", "nginx")                      # latest is not 1.22.1
    assert not m.same_image("kubelab/web:v1", "kubelab/web:v2")
    assert not m.same_image("web:v1", "kubelab/web:v1")                   # library/web is another repository
    assert not m.same_image("quay.io/nginx:1.22.1", "nginx:1.22.1")       # another registry
    # digests: equal only to the same digest; a tag's digest is never guessed
    assert m.same_image(f"nginx@{DIGEST}", f"docker.io/library/nginx:1.22.1@{DIGEST}")
    assert not m.same_image(f"nginx@{DIGEST}", "nginx:1.22.1")
    assert not m.same_image(f"nginx@{DIGEST}", f"nginx@{OTHER}")
    assert not m.same_image(f"busybox@{DIGEST}", f"nginx@{DIGEST}")
    assert m.same_image(None, None) and not m.same_image("nginx", None)


def test_image_tag_is_latest():
    assert m.image_tag_is_latest("nginx") and m.image_tag_is_latest("nginx:latest")
    assert not m.image_tag_is_latest("nginx:1.22.1") and not m.image_tag_is_latest(f"nginx@{DIGEST}")
    assert m.image_tag_is_latest("localhost:5000/web")   # the port is not a tag


# ---- quantities -------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b", [
    ("67108864", "64Mi"),           # the pods-guaranteed-qos case
    (67108864, "64Mi"),
    ("65536Ki", "64Mi"),
    ("1Gi", "1024Mi"),
    ("0.5", "500m"),
    ("1", "1000m"),
    (1, "1"),
    ("100M", "100000k"),
    ("1e3", "1k"),
    ("128Mi", "0.125Gi"),
])
def test_same_quantity(a, b):
    assert m.same_quantity(a, b) and m.same_quantity(b, a)


@pytest.mark.parametrize("a, b", [
    ("64M", "64Mi"),                # decimal vs binary units are not the same amount
    ("1Gi", "1G"),
    ("100m", "100Mi"),              # milli-cores vs mebibytes: a classic slip
    ("250m", "0.5"),
    ("64Mi", None),
    ("", "0"),
])
def test_different_quantity(a, b):
    assert not m.same_quantity(a, b)


def test_quantity_none_and_garbage():
    assert m.same_quantity(None, None)
    assert m.parse_quantity("64Mi") == 67108864
    assert m.parse_quantity("lots") is None and m.parse_quantity(True) is None
    assert m.same_quantity("lots", "lots") and not m.same_quantity("lots", "64Mi")


# ---- ports ------------------------------------------------------------------------------------

def test_resolve_port():
    c = {"name": "web", "ports": [{"name": "http", "containerPort": 80}, {"name": "metrics", "containerPort": 9090}]}
    assert m.resolve_port(c, "http") == 80                                # the readiness case
    assert m.resolve_port(c, "metrics") == 9090
    assert m.resolve_port(c, 80) == 80 and m.resolve_port(c, "8080") == 8080
    assert m.resolve_port(c, "https") is None
    assert m.resolve_port({}, "http") is None and m.resolve_port(None, 80) == 80
    assert m.resolve_port(c, None) is None and m.resolve_port(c, True) is None


# ---- schedules --------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b", [
    ("*/15 * * * *", "0,15,30,45 * * * *"),                  # the cronjob-schedule case
    ("*/15 * * * *", "0-59/15 * * * *"),
    ("*/15 * * * *", "0/15 * * * *"),
    ("*/15 * * * *", "45,30,15,0 * * * *"),
    ("*/15  *  * * *", "*/15 * * * *"),
    ("@hourly", "0 * * * *"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@weekly", "0 0 * * 0"),
    ("@monthly", "0 0 1 * *"),
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 JAN *"),
    ("0 0 * * SUN", "0 0 * * 0"),
    ("0 9 * * MON-FRI", "0 9 * * 1-5"),
    ("0 0 ? * *", "0 0 * * *"),
    ("*/1 * * * *", "* * * * *"),
    ("0 0 1-31 * *", "0 0 * * *"),
    ("0 0 * * 0-6", "0 0 * * *"),
    ("30 2 * JAN-MAR *", "30 2 * 1,2,3 *"),
    ("0 0 1-31 * 1", "0 0 * * *"),       # both restricted: day-of-month OR day-of-week = every day
])
def test_same_schedule(a, b):
    assert m.same_schedule(a, b) and m.same_schedule(b, a)


@pytest.mark.parametrize("a, b", [
    ("*/15 * * * *", "*/20 * * * *"),
    ("*/15 * * * *", "15 * * * *"),
    ("*/15 * * * *", "0,15,30 * * * *"),
    ("0 * * * *", "* * * * *"),
    ("@hourly", "@daily"),
    ("0 0 * * 1", "0 0 * * 0"),
    ("0 0 */2 * 1", "0 0 */2 * *"),      # */2 with a step restricts (OR with Mondays), unlike *
    ("0 0 1 * 1", "0 0 1 * *"),          # the 1st OR every Monday
    ("*/15 * * * *", "*/15 * * *"),      # 4 fields: not a schedule
    ("0 0 L * *", "0 0 31 * *"),         # not Kubernetes cron: compared by spelling
    ("*/15 * * * *", None),
])
def test_different_schedule(a, b):
    assert not m.same_schedule(a, b)


def test_schedule_unmodelled_is_compared_by_spelling():
    assert m.same_schedule("0 0 L * *", "0 0  L * *")
    assert m.cron_fields("not a cron") is None and m.cron_fields("61 * * * *") is None
    assert m.same_schedule(None, None)


# ---- selectors --------------------------------------------------------------------------------

def test_selectors_as_sets():
    labels = {"matchLabels": {"app": "web", "tier": "frontend"}}
    exprs = {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["frontend"]},
                                  {"key": "app", "operator": "In", "values": ["web"]}]}
    mixed = {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["frontend"]}]}
    assert m.same_selector(labels, exprs) and m.same_selector(labels, mixed)
    assert m.same_selector(labels, {"app": "web", "tier": "frontend"})          # a Service's plain selector
    assert m.same_selector({"matchLabels": {"app": "web"}},
                           {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}],
                            "matchLabels": {"app": "web"}})                      # In[web] AND In[web,api] = In[web]
    assert m.same_selector({"matchExpressions": [{"key": "a", "operator": "In", "values": ["x", "y"]}]},
                           {"matchExpressions": [{"key": "a", "operator": "In", "values": ["y", "x"]}]})
    assert m.same_selector({"matchLabels": {"app": "web"}},
                           {"matchLabels": {"app": "web"},
                            "matchExpressions": [{"key": "app", "operator": "Exists"}]})
    assert not m.same_selector(labels, {"matchLabels": {"app": "web"}})
    assert not m.same_selector({"matchLabels": {"app": "web"}}, {"matchLabels": {"app": "api"}})
    assert not m.same_selector({"matchExpressions": [{"key": "a", "operator": "In", "values": ["x", "y"]}]},
                               {"matchLabels": {"a": "x"}})
    assert not m.same_selector({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["x"]}]},
                               {"matchExpressions": [{"key": "a", "operator": "In", "values": ["x"]}]})
    assert m.selector_requirements(None) == frozenset() == m.selector_requirements({})


# ---- commands ---------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b", [
    (["sh", "-c", "cat /tmp/healthy"], ["cat", "/tmp/healthy"]),       # the liveness case
    (["/bin/sh", "-c", "cat /tmp/healthy"], ["cat", "/tmp/healthy"]),
    (["/bin/echo", "Hello,"], ["echo", "Hello,"]),                     # the ENTRYPOINT case
    (["/usr/bin/env"], ["env"]),
    (["sh", "-c", "exec cat /tmp/healthy"], ["cat", "/tmp/healthy"]),
    (["sh", "-c", "echo 'Hello, world'"], ["echo", "Hello, world"]),
    (["sh", "-c", 'echo "Hello, world"'], ["/bin/echo", "Hello, world"]),
    (["sh", "-c", "  cat   /tmp/healthy "], ["cat", "/tmp/healthy"]),
    (["sh", "-c", "sh -c 'cat /tmp/healthy'"], ["cat", "/tmp/healthy"]),
    ("cat /tmp/healthy", ["cat", "/tmp/healthy"]),                      # Docker's shell form
    (["sh", "-c", "echo a; echo b"], ["/bin/sh", "-c", "echo a; echo b"]),
])
def test_same_command(a, b):
    assert m.same_command(a, b) and m.same_command(b, a)


@pytest.mark.parametrize("a, b", [
    (["cat", "/tmp/healthy"], ["cat", "/tmp/ready"]),
    (["sh", "-c", "cat /tmp/healthy || true"], ["cat", "/tmp/healthy"]),   # always succeeds: not the same
    (["sh", "-c", "cat /tmp/healthy > /dev/null"], ["cat", "/tmp/healthy"]),
    (["sh", "-c", "cat $FILE"], ["cat", "$FILE"]),
    (["sh", "-c", "cat /tmp/*"], ["cat", "/tmp/*"]),
    (["bash", "-c", "echo a; echo b"], ["sh", "-c", "echo a; echo b"]),
    (["sh", "-c", "cat", "/tmp/healthy"], ["cat", "/tmp/healthy"]),      # $0 is not an argument
    (["sh", "/tmp/healthy"], ["cat", "/tmp/healthy"]),
    (["/opt/bin/echo", "x"], ["echo", "x"]),                            # not a standard bin directory
    (["echo", "Hello,"], ["echo", "Hello, "]),
    (["echo", "a", "b"], ["echo", "a b"]),
    (["sh", "-c", "FOO=1 env"], ["env"]),
    (["sh", "-c", "echo 'a  b'; true"], ["sh", "-c", "echo 'a b'; true"]),   # spaces inside quotes count
    (["cat", "/tmp/healthy"], None),
])
def test_different_command(a, b):
    assert not m.same_command(a, b)


def test_normalize_command():
    assert m.normalize_command(["sh", "-c", "cat /tmp/healthy"]) == ("cat", "/tmp/healthy")
    assert m.normalize_command(["sh", "-c", "echo 'unterminated"]) == ("sh", "-c", "echo 'unterminated")
    assert m.normalize_command([]) == () and m.normalize_command(None) is None
    assert m.same_command(None, None)


# ---- API defaults -----------------------------------------------------------------------------

def test_api_defaults():
    pod = {"spec": {"containers": [{"name": "web", "image": "nginx"}, {"name": "side", "image": "busybox:1.35.0"}]}}
    assert m.api_default("Pod", "spec.containers[0].ports[0].protocol") == "TCP"
    assert m.api_default("Pod", "spec.containers[0].imagePullPolicy", pod) == "Always"
    assert m.api_default("Pod", "spec.containers[name=side].imagePullPolicy", pod) == "IfNotPresent"
    assert m.api_default("Service", "spec.type") == "ClusterIP"
    assert m.api_default("Pod", "spec.restartPolicy") == "Always"
    assert m.api_default("Job", "spec.template.spec.restartPolicy") is None
    assert m.api_default("Pod", "spec.containers[0].readinessProbe.periodSeconds") == 10
    assert m.api_default("CronJob", "spec.concurrencyPolicy") == "Allow"
    assert m.api_default("Pod", "spec.containers[0].image") is None


# ---- paths ------------------------------------------------------------------------------------

def test_same_path():
    assert m.same_path("/usr/share/nginx/html/", "/usr/share/nginx/html")
    assert m.same_path("/a//b/./c", "/a/b/c") and m.same_path("/", "//")
    assert not m.same_path("/a/b/../c", "/a/c")      # .. is not resolved
    assert not m.same_path("/out", "/output") and not m.same_path("out", "/out")
    assert m.same_path(None, None) and not m.same_path("/out", None)


@pytest.mark.parametrize("tol, taint, want", [
    ({"key": "k", "operator": "Exists"}, ("k", "v", "NoSchedule"), True),
    ({"key": "k", "value": "v", "effect": "NoSchedule"}, ("k", "v", "NoSchedule"), True),  # Equal by default
    ({"key": "k", "value": "w"}, ("k", "v", "NoSchedule"), False),
    ({"key": "k", "operator": "Exists", "effect": "NoExecute"}, ("k", "v", "NoSchedule"), False),
    ({"operator": "Exists"}, ("any", "v", "NoExecute"), True),            # no key, Exists: every taint
    ({"key": "", "operator": "Equal"}, ("k", "", "NoSchedule"), False),   # no key needs Exists
    ({"key": "k"}, ("k", "", "NoSchedule"), True),                        # Equal to an empty value
])
def test_toleration_matches_as_the_scheduler(tol, taint, want):
    assert m.toleration_matches(tol, *taint) is want
