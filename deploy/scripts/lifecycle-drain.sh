#!/bin/bash
# Waits until the Auto Scaling group marks this instance for termination (IMDSv2
# autoscaling/target-lifecycle-state), stops render-worker (SIGTERM: it drains), then completes
# the lifecycle action so the termination goes on. Spot interruptions need none of this: the
# worker watches the spot notice itself.
# Environment (/etc/render-worker/lifecycle.env): AWS_REGION, LIFECYCLE_HOOK_NAME,
# AUTO_SCALING_GROUP_NAME.
set -euo pipefail

imds() {
    local token
    token=$(curl -fsS -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" \
        http://169.254.169.254/latest/api/token)
    curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}

until [ "$(imds autoscaling/target-lifecycle-state 2>/dev/null || true)" = "Terminated" ]; do
    sleep 5
done
echo "scale-in: draining render-worker"
systemctl stop render-worker.service
aws autoscaling complete-lifecycle-action \
    --region "$AWS_REGION" \
    --lifecycle-action-result CONTINUE \
    --lifecycle-hook-name "$LIFECYCLE_HOOK_NAME" \
    --auto-scaling-group-name "$AUTO_SCALING_GROUP_NAME" \
    --instance-id "$(imds instance-id)"
