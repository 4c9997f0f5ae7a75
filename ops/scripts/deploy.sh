#!/bin/sh
# Deploy PayBridge to Kubernetes in the order that keeps it safe — kustomize itself has none:
#
#   ops/scripts/deploy.sh [OVERLAY]        (default: ops/k8s/overlays/production; NAMESPACE default paybridge)
#
# 1. render the overlay once (`kubectl kustomize`): every step applies from the same rendering;
# 2. namespace and configuration, then the migration Job (the previous one deleted first: a Job's pod
#    template cannot change), and wait until it completes — on failure print its logs and stop, changing
#    nothing else;
# 3. the API, and wait for its rollout (a new pod takes traffic only once /ready passes, which needs the
#    schema the migration just applied);
# 4. everything else — relay, services, policies, monitors, backup and audit CronJobs — and wait for the
#    relay's rollout.
# Argo CD users need none of this: the Job is a PreSync hook (annotations in migrate-job.yaml).
# Tested with a stand-in kubectl by tests/ops/test_deploy_order.py.
set -eu

kubectl="${KUBECTL:-kubectl}"
overlay="${1:-$(dirname "$0")/../k8s/overlays/production}"
namespace="${NAMESPACE:-paybridge}"
migrate_timeout="${MIGRATE_TIMEOUT_SECONDS:-900}"
rollout_timeout="${ROLLOUT_TIMEOUT:-600s}"
poll="${POLL_SECONDS:-5}"

rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
"$kubectl" kustomize "$overlay" > "$rendered"

echo "deploy: 1/3 configuration and migrations" >&2
"$kubectl" apply -f "$rendered" -l 'app.kubernetes.io/component in (namespace,config)'
"$kubectl" -n "$namespace" delete job paybridge-migrate --ignore-not-found --wait=true
"$kubectl" apply -f "$rendered" -l 'app.kubernetes.io/component=migrate'
waited=0
while :; do
    state="$("$kubectl" -n "$namespace" get job paybridge-migrate \
        -o 'jsonpath={.status.conditions[?(@.status=="True")].type}')"
    case "$state" in
        *Complete*) break ;;
        *Failed*)
            "$kubectl" -n "$namespace" logs job/paybridge-migrate --tail=200 >&2 || true
            echo "deploy: the migration Job failed; nothing else was changed" >&2
            exit 1 ;;
    esac
    if [ "$waited" -ge "$migrate_timeout" ]; then
        echo "deploy: the migration Job did not finish within ${migrate_timeout}s" >&2
        exit 1
    fi
    sleep "$poll"
    waited=$((waited + poll))
done

echo "deploy: 2/3 API" >&2
"$kubectl" apply -f "$rendered" -l 'app.kubernetes.io/component=api'
"$kubectl" -n "$namespace" rollout status deployment/paybridge-api --timeout="$rollout_timeout"

echo "deploy: 3/3 relay and the rest" >&2
"$kubectl" apply -f "$rendered" -l 'app.kubernetes.io/component notin (migrate)'
"$kubectl" -n "$namespace" rollout status deployment/paybridge-relay --timeout="$rollout_timeout"
echo "deploy: done" >&2
