#!/usr/bin/python3
"""Checks deploy/kubernetes/ beyond yamllint.

1. Every built-in object (Namespace, ServiceAccount, DaemonSet) against the Kubernetes
   API's own types, from Debian's python3-kubernetes (models generated from the API's
   OpenAPI spec): the object is read into its model and written back; a field the API
   does not have (a typo, a field at the wrong level) is lost on the way and reported,
   a missing required field raises.
2. What the exporter needs: hostPID and hostNetwork, no privileged container, the
   capabilities (the same list as the systemd unit's and the image's setcap line), drop
   ALL, non-root, read-only root, the host mounts, the probes on /healthz, the port and
   listen address, the memory limit, the scrape annotations.
3. The PodMonitor (a CRD: checked by hand) selects the DaemonSet's pods by their labels,
   in their namespace, on a port name the container has, every 15 s.

Usage: check_kubernetes.py DAEMONSET_YAML PODMONITOR_YAML SYSTEMD_UNIT
"""
import re
import sys

import yaml
from kubernetes import client

errors = []


def check(cond, what):
    if not cond:
        errors.append(what)
    return cond


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return text, [d for d in yaml.safe_load_all(text) if d is not None]


def diff(orig, back, path=""):
    """Where `back` (the model written back) lost or changed what `orig` had."""
    out = []
    if isinstance(orig, dict):
        if not isinstance(back, dict):
            return [f"{path or '/'}: not an object in the API type"]
        for k, v in orig.items():
            if k not in back:
                out.append(f"{path}/{k}: no such field in the API type")
            else:
                out += diff(v, back[k], f"{path}/{k}")
    elif isinstance(orig, list):
        if not isinstance(back, list) or len(back) != len(orig):
            return [f"{path}: not a list in the API type"]
        for i, (a, b) in enumerate(zip(orig, back)):
            out += diff(a, b, f"{path}[{i}]")
    elif orig != back:
        out.append(f"{path}: {orig!r} read back as {back!r}")
    return out


MODELS = {("v1", "Namespace"): "V1Namespace", ("v1", "ServiceAccount"): "V1ServiceAccount",
          ("apps/v1", "DaemonSet"): "V1DaemonSet"}


def against_api(doc):
    model = MODELS.get((doc.get("apiVersion"), doc.get("kind")))
    if not check(model, f"{doc.get('apiVersion')} {doc.get('kind')}: not a type this check knows"):
        return
    api = client.ApiClient()
    try:
        obj = api._ApiClient__deserialize(doc, model)  # the client's own response decoder
    except (ValueError, TypeError) as e:
        errors.append(f"{doc['kind']}: {e}")
        return
    for d in diff(doc, api.sanitize_for_serialization(obj)):
        errors.append(f"{doc['kind']} {d}")


def privileged_anywhere(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "privileged" and v is not False:
                yield f"{path}/{k}: {v!r}"
            yield from privileged_anywhere(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from privileged_anywhere(v, f"{path}[{i}]")


def unit_capabilities(path):
    """AmbientCapabilities= and CapabilityBoundingSet= of the unit, each merged over lines."""
    caps = {"AmbientCapabilities": set(), "CapabilityBoundingSet": set()}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"(AmbientCapabilities|CapabilityBoundingSet)=(.*)", line.strip())
            if m:
                caps[m.group(1)] |= {c.removeprefix("CAP_") for c in m.group(2).split()}
    return caps


def main(ds_path, pm_path, unit_path):
    ds_text, docs = load(ds_path)
    _, pm_docs = load(pm_path)
    for d in docs:
        against_api(d)
    for d in docs + pm_docs:
        for p in privileged_anywhere(d):
            errors.append(f"{d.get('kind')} {p}: no privileged container")

    by_kind = {d["kind"]: d for d in docs}
    check(sorted(by_kind) == ["DaemonSet", "Namespace", "ServiceAccount"] and len(docs) == 3,
          f"daemonset.yaml: expected Namespace, ServiceAccount, DaemonSet; got {[d['kind'] for d in docs]}")
    ns = by_kind.get("Namespace", {}).get("metadata", {}).get("name")
    check(ns == "tcpsight", f"namespace is {ns!r}, not 'tcpsight'")
    sa = by_kind.get("ServiceAccount", {})
    ds = by_kind.get("DaemonSet")
    if not ds:
        return
    for d in [sa, ds] + pm_docs:
        check(d.get("metadata", {}).get("namespace") == ns, f"{d.get('kind')} is not in namespace {ns}")

    tmpl = ds["spec"]["template"]
    pod = tmpl["spec"]
    pod_labels = tmpl["metadata"].get("labels", {})
    check(ds["spec"]["selector"].get("matchLabels", {}).items() <= pod_labels.items(),
          "the DaemonSet's selector does not match its pod labels")
    check(pod.get("serviceAccountName") == sa.get("metadata", {}).get("name"), "serviceAccountName")
    check(pod.get("hostPID") is True, "hostPID: true (the node's /proc: every netns and process)")
    check(pod.get("hostNetwork") is True, "hostNetwork: true (the node's netns, the node's address)")
    psc = pod.get("securityContext", {})
    check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "seccompProfile RuntimeDefault")

    containers = pod.get("containers", [])
    if not check(len(containers) == 1, "one container"):
        return
    c = containers[0]
    sc = c.get("securityContext", {})
    check(sc.get("privileged") is False, "privileged: false, written out")
    caps = sc.get("capabilities", {})
    add = set(caps.get("add", []))
    check({"BPF", "PERFMON", "NET_ADMIN", "SYS_ADMIN"} <= add,
          f"capabilities.add must hold BPF PERFMON NET_ADMIN SYS_ADMIN; has {sorted(add)}")
    check(caps.get("drop") == ["ALL"], "capabilities.drop: [ALL]")
    uc = unit_capabilities(unit_path)
    check(uc["AmbientCapabilities"] == uc["CapabilityBoundingSet"] == add,
          f"the same capabilities in the unit (ambient {sorted(uc['AmbientCapabilities'])}, bounding "
          f"{sorted(uc['CapabilityBoundingSet'])}) and the DaemonSet ({sorted(add)})")
    setcap = re.search(r"setcap (\S+)\+ep", ds_text)
    if check(setcap, "the image's setcap line (comment) is missing"):
        filecaps = {x.upper().removeprefix("CAP_") for x in setcap.group(1).split(",")}
        check(filecaps == add, f"setcap {sorted(filecaps)} != capabilities.add {sorted(add)}: execve "
              "refuses file capabilities beyond the bounding set, and misses any not in the file")
    run_as = sc.get("runAsUser", psc.get("runAsUser"))
    check(run_as not in (None, 0), f"runAsUser must be non-root, is {run_as!r}")
    check(sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True, "runAsNonRoot: true")
    check(sc.get("allowPrivilegeEscalation") is True,
          "allowPrivilegeEscalation: true (no_new_privs would keep the binary's file capabilities from applying)")
    check(sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem: true")

    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for path in ["/sys/kernel/btf", "/sys/fs/cgroup", "/sys/kernel/tracing", "/run/netns"]:
        m = mounts.get(path)
        if not check(m, f"no volumeMount at {path}"):
            continue
        check(m.get("readOnly") is True, f"{path} must be mounted readOnly")
        host = volumes.get(m["name"], {}).get("hostPath", {}).get("path")
        check(host == path, f"{path} must be the host's {path} (hostPath {host!r})")
    check(mounts.get("/run/netns", {}).get("mountPropagation") == "HostToContainer",
          "/run/netns needs mountPropagation: HostToContainer (netns created after the pod starts)")
    check(all(v.get("hostPath", {}).get("path") != "/sys/fs/bpf" for v in volumes.values()),
          "no /sys/fs/bpf: the exporter pins nothing")

    check(c.get("command") == ["/usr/sbin/tcpsight-exporter"], "command /usr/sbin/tcpsight-exporter")
    check(c.get("image", "").startswith("tcpsight:"), "image tcpsight:VERSION")
    ports = {p.get("name"): p for p in c.get("ports", [])}
    mp = ports.get("metrics", {})
    check(mp.get("containerPort") == 19347 and mp.get("hostPort") == 19347, "port metrics 19347 (hostPort too)")
    listen = [a for a in c.get("args", []) if a.startswith("--web.listen-address=")]
    check(len(listen) == 1 and listen[0].endswith(":19347"), f"--web.listen-address=...:19347, got {listen}")
    if "$(POD_IP)" in "".join(listen):
        env = {e["name"]: e for e in c.get("env", [])}
        check(env.get("POD_IP", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "status.podIP",
              "POD_IP from status.podIP")
    for probe in ["livenessProbe", "readinessProbe"]:
        g = c.get(probe, {}).get("httpGet", {})
        check(g.get("path") == "/healthz" and g.get("port") in ("metrics", 19347), f"{probe} on /healthz:metrics")
    res = c.get("resources", {})
    check(res.get("limits", {}).get("memory") == "256Mi", "memory limit 256Mi")
    check("memory" in res.get("requests", {}), "a memory request")

    ann = tmpl["metadata"].get("annotations", {})
    check(ann.get("prometheus.io/scrape") == "true", "annotation prometheus.io/scrape: \"true\"")
    check(ann.get("prometheus.io/port") == str(mp.get("containerPort")), "annotation prometheus.io/port = the port")
    apparmor = "container.apparmor.security.beta.kubernetes.io/"
    check(ann.get(apparmor + c.get("name", "")) == "unconfined",
          f"annotation {apparmor}{c.get('name')}: unconfined (the default profile refuses reading other "
          "processes' /proc/PID/ns/net)")

    if not check(len(pm_docs) == 1, "podmonitor.yaml: one object"):
        return
    pm = pm_docs[0]
    check(pm.get("apiVersion") == "monitoring.coreos.com/v1" and pm.get("kind") == "PodMonitor",
          "podmonitor.yaml: monitoring.coreos.com/v1 PodMonitor")
    spec = pm.get("spec", {})
    check(spec.get("selector", {}).get("matchLabels", {}).items() <= pod_labels.items(),
          "the PodMonitor's selector does not select the DaemonSet's pods")
    check(spec.get("namespaceSelector", {}).get("matchNames") == [ns], "PodMonitor namespaceSelector")
    eps = spec.get("podMetricsEndpoints", [])
    check(len(eps) == 1 and eps[0].get("port") in ports and eps[0].get("interval") == "15s"
          and eps[0].get("path", "/metrics") == "/metrics",
          "PodMonitor endpoint: port metrics, /metrics, every 15s")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
    for e in errors:
        print("FAIL:", e)
    if errors:
        sys.exit(1)
    print("deploy/kubernetes: API types and the exporter's needs: ok")
