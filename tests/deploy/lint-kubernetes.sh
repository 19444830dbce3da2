#!/bin/sh
# deploy_kubernetes_lint: yamllint --strict on deploy/kubernetes, then check_kubernetes.py
# (the objects against the Kubernetes API's types, the exporter's needs, the same
# capabilities as the systemd unit) with Debian's python3, where apt puts python3-yaml
# and python3-kubernetes. Usage: lint-kubernetes.sh DEPLOY_DIR
set -eu
here=$(dirname "$0")
deploy=$1
command -v yamllint >/dev/null || { echo "yamllint not found: install the Debian package yamllint"; exit 1; }
/usr/bin/python3 -c 'import yaml, kubernetes' 2>/dev/null ||
	{ echo "/usr/bin/python3 cannot import yaml and kubernetes: install python3-yaml python3-kubernetes"; exit 1; }
yamllint --strict -c "$here/yamllint.yml" "$deploy/kubernetes"
echo "yamllint --strict deploy/kubernetes: clean"
/usr/bin/python3 "$here/check_kubernetes.py" "$deploy/kubernetes/daemonset.yaml" \
	"$deploy/kubernetes/podmonitor.yaml" "$deploy/systemd/tcpsight-exporter.service"
