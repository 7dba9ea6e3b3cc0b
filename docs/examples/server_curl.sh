set -euo pipefail
# The environment printed by `fakeqpu serve` is all a non-Python client needs.
field() { grep -o "\"$1\": *\"[^\"]*\"" | head -1 | cut -d'"' -f4; }

token=$(curl -sf "$IAM_URL/identity/token" \
  -d grant_type=urn:ibm:params:oauth:grant-type:apikey -d "apikey=$QISKIT_IBM_TOKEN" | field access_token)
api="$FAKEQPU_URL/api/v1"  # IBM's REST paths
auth=(-H "Authorization: Bearer $token" -H "Service-CRN: $QISKIT_IBM_INSTANCE")

curl -sf "${auth[@]}" "$api/backends"; echo
session=$(curl -sf "${auth[@]}" -H "Content-Type: application/json" \
  -d '{"mode": "batch", "backend": "ibm_torino"}' "$api/sessions" | field id)

# The control API: move the fake's clock 30 minutes, then read the session and the timeline.
control=(-H "Authorization: Bearer $FAKEQPU_CONTROL_TOKEN")
curl -sf "${control[@]}" -d '{"minutes": 30}' "$FAKEQPU_URL/_fakeqpu/clock/advance"; echo
curl -sf "${auth[@]}" "$api/sessions/$session" | field state
curl -sf "${control[@]}" "$FAKEQPU_URL/_fakeqpu/timeline.txt"
