#!/usr/bin/env bash
# The gateway side by side with nginx, in one run, as separate processes on 127.0.0.1:
#   backend      nginx `return 200` of a 24-byte JSON (1 worker; ports 18081 "legacy", 18082 "extracted")
#   nginx proxy  nginx as reverse proxy to the backend (1 worker, keepalive upstream)      :18080
#   bare SCG     Spring Cloud Gateway, one catch-all route, no strangler filter: its defaults plus
#                TCP_NODELAY, metrics filter and server observation off (BareGateway)    :18090
#   gateway      the strangler-gateway jar, one route /api/** in legacy, extracted, canary (50 %)
#                and shadow (every GET copied to the "extracted" port), switched via the admin API
# Per target: wrk -t2 -c32 warm-up, then wrk -t2 -c32 (throughput) and wrk -t1 -c1 --latency.
#
#   ./mvnw -q -B -pl strangler-gateway -am package -DskipTests   # jar + test classes
#   strangler-gateway/bench/run.sh
#
# Knobs (environment): WARMUP=10 DURATION=5 CONNS=32 THREADS=2 MODES="legacy extracted canary shadow"
#   JVM_WARMUP=20 (seconds of load on each JVM, every mode, before the first measurement: JIT)
#   ROUNDS=2 (every target measured this many times, interleaved; the table shows the median)
#   GATEWAYS="before=/tmp/old.jar after=strangler-gateway/target/strangler-gateway-0.1.0-SNAPSHOT.jar"
#   (builds measured side by side; default: gateway=<this module's jar>), JAVA_OPTS (all JVMs), JFR=1 (record the gateway under load, print its hottest frames), OUT=dir
# Needs the Debian packages wrk and nginx-light (apt-get install -y wrk nginx-light).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
module=$(dirname "$here")
jar=$(ls "$module"/target/strangler-gateway-*.jar | grep -v original | head -1)
# label=jar pairs: several builds of the gateway measured side by side (e.g. before and after)
GATEWAYS=${GATEWAYS:-gateway=$jar}
tests="$module/target/test-classes"
WARMUP=${WARMUP:-10}
DURATION=${DURATION:-5}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
MODES=${MODES:-legacy extracted canary shadow}
JVM_WARMUP=${JVM_WARMUP:-20}
ROUNDS=${ROUNDS:-2}
JAVA_OPTS=${JAVA_OPTS:-}
JFR=${JFR:-0}
OUT=${OUT:-$(mktemp -d /tmp/strangler-bench.XXXXXX)}
TOKEN=bench-admin-token
BACKEND=18081
EXTRACTED=18082
PROXY=18080
BARE=18090
GATEWAY=18000 # + index of the build
ADMIN=19000
mkdir -p "$OUT"
for tool in wrk nginx java curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y wrk nginx-light)" >&2; exit 1; }
done
[ -f "$jar" ] && [ -d "$tests/dev/strangler/gateway/benchmark" ] || {
  echo "build first: ./mvnw -q -B -pl strangler-gateway -am package -DskipTests" >&2; exit 1; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

nginx_conf() { # $1 = name, $2 = http block body
  mkdir -p "$OUT/$1"
  cat > "$OUT/$1/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $OUT/$1/nginx.pid;
error_log $OUT/$1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  client_body_temp_path $OUT/$1;
  proxy_temp_path $OUT/$1;
  fastcgi_temp_path $OUT/$1;
  uwsgi_temp_path $OUT/$1;
  scgi_temp_path $OUT/$1;
$2
}
EOF
  nginx -c "$OUT/$1/nginx.conf" -p "$OUT/$1" & pids+=($!)
}

wait_for() { # $1 = url
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.2
  done
  echo "no answer from $1" >&2; exit 1
}

nginx_conf backend "  server {
    listen 127.0.0.1:$BACKEND; listen 127.0.0.1:$EXTRACTED;
    location / { default_type application/json; return 200 '{\"id\":12345,\"ok\":\"true\"}'; }
  }"
nginx_conf proxy "  upstream backend { server 127.0.0.1:$BACKEND; keepalive 64; }
  server {
    listen 127.0.0.1:$PROXY;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }"
wait_for "http://127.0.0.1:$BACKEND/api/bench"
wait_for "http://127.0.0.1:$PROXY/api/bench"

# shellcheck disable=SC2086
java $JAVA_OPTS -cp "$jar" -Dloader.path="$tests" -Dloader.main=dev.strangler.gateway.benchmark.BareGateway \
  org.springframework.boot.loader.launch.PropertiesLauncher \
  --spring.config.name=bare-gateway --server.port=$BARE --management.server.port=-1 \
  --bench.backend=http://127.0.0.1:$BACKEND \
  > "$OUT/bare.log" 2>&1 & pids+=($!)

labels=()
gateway_pids=()
i=0
for pair in $GATEWAYS; do
  label=${pair%%=*}
  gateway_jar=${pair#*=}
  # shellcheck disable=SC2086
  java $JAVA_OPTS -jar "$gateway_jar" --server.port=$((GATEWAY + i)) --management.server.port=$((ADMIN + i)) \
    --strangler.gateway.admin.token=$TOKEN \
    --strangler.embedded.postgres.data-directory="$OUT/postgres-$label" --strangler.embedded.postgres.clean=true \
    --strangler.gateway.legacy-uri=http://127.0.0.1:$BACKEND \
    "--strangler.gateway.routes.bench.paths[0]=/api/**" \
    --strangler.gateway.routes.bench.extracted-uri=http://127.0.0.1:$EXTRACTED \
    --strangler.gateway.routes.bench.shadow.max-concurrent=1024 \
    > "$OUT/$label.log" 2>&1 & pids+=($!); gateway_pids+=($!)
  labels+=("$label")
  i=$((i + 1))
done
wait_for "http://127.0.0.1:$BARE/api/bench"
for i in "${!labels[@]}"; do wait_for "http://127.0.0.1:$((GATEWAY + i))/api/bench"; done

ms() { # wrk latency "123.45us" / "1.23ms" / "1.01s" -> ms
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

results=()
measure() { # $1 = label, $2 = url
  local f="$OUT/$1.round$round"
  wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "$2" > "$f.warmup.txt"
  wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" "$2" > "$f.throughput.txt"
  wrk -t1 -c1 -d"${DURATION}s" --latency "$2" > "$f.latency.txt"
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec/ { print $2 }' "$f.throughput.txt")
  errors=$(awk '/Non-2xx|Socket errors/ { print }' "$f.throughput.txt" "$f.latency.txt" | tr '\n' ' ')
  p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$f.latency.txt")")
  p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$f.latency.txt")")
  results+=("$1 $rps $p50 $p99")
  echo "round $round $1: $rps req/s at $CONNS connections; p50 $p50 ms, p99 $p99 ms at 1 ${errors:+($errors)}" >&2
}

switch_mode() { # $1 = index of the build, $2 = mode
  local body="{\"mode\":\"$2\",\"percent\":50,\"reason\":\"benchmark\"}"
  curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "$body" "http://127.0.0.1:$((ADMIN + $1))/admin/routes/bench"
}

shadow_counts() { # $1 = index of the build
  curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$((ADMIN + $1))/admin/routes/bench" \
    | python3 -c 'import json,sys; s=json.load(sys.stdin)["shadow"]; print(" ".join(f"{k}={s[k]}" for k in ("matched","mismatched","dropped","failed","skipped")))'
}

# JIT: every JVM path under load before anything is measured
wrk -t"$THREADS" -c"$CONNS" -d"${JVM_WARMUP}s" "http://127.0.0.1:$BARE/api/bench" > /dev/null
for i in "${!labels[@]}"; do
  for mode in $MODES; do
    switch_mode "$i" "$mode"
    wrk -t"$THREADS" -c"$CONNS" -d"${JVM_WARMUP}s" "http://127.0.0.1:$((GATEWAY + i))/api/bench" > /dev/null
  done
  if [ "$JFR" = 1 ]; then
    jcmd "${gateway_pids[$i]}" JFR.start name=bench settings=profile > /dev/null
  fi
done
for round in $(seq 1 "$ROUNDS"); do
  measure direct "http://127.0.0.1:$BACKEND/api/bench"
  measure nginx "http://127.0.0.1:$PROXY/api/bench"
  measure bare-scg "http://127.0.0.1:$BARE/api/bench"
  for mode in $MODES; do
    for i in "${!labels[@]}"; do
      switch_mode "$i" "$mode"
      before=$(shadow_counts "$i")
      measure "${labels[$i]}-$mode" "http://127.0.0.1:$((GATEWAY + i))/api/bench"
      if [ "$mode" = shadow ]; then
        echo "round $round ${labels[$i]} shadow copies before: $before; after: $(shadow_counts "$i")" >&2
      fi
    done
  done
done
shadow_after=""
for i in "${!labels[@]}"; do
  shadow_after="$shadow_after ${labels[$i]}: $(shadow_counts "$i");"
  if [ "$JFR" = 1 ]; then
    jcmd "${gateway_pids[$i]}" JFR.dump name=bench filename="$OUT/${labels[$i]}.jfr" > /dev/null
    python3 "$here/jfr-top.py" "$OUT/${labels[$i]}.jfr" > "$OUT/${labels[$i]}-jfr-top.txt"
    echo "JFR profile of ${labels[$i]} under load: $OUT/${labels[$i]}.jfr, hottest frames: $OUT/${labels[$i]}-jfr-top.txt" >&2
  fi
done
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r); median of $ROUNDS rounds; wrk -t$THREADS -c$CONNS ${DURATION}s after ${WARMUP}s warm-up; latency wrk -t1 -c1 ${DURATION}s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
# the median of the rounds per target (the upper one of an even count), in first-seen order
printf '%s\n' "${results[@]}" | awk '
  { if (!($1 in seen)) { seen[$1] = ++k; order[k] = $1 }
    c = ++cnt[$1]; r[$1, c] = $2; a[$1, c] = $3; q[$1, c] = $4 }
  function med(arr, key, n,   i, j, t, v) { for (i = 1; i <= n; i++) v[i] = arr[key, i] + 0
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return v[int(n / 2) + 1] }
  END { for (i = 1; i <= k; i++) { x = order[i]; print x, med(r, x, cnt[x]), med(a, x, cnt[x]), med(q, x, cnt[x]) } }' \
| awk '
  { name[NR] = $1; rps[NR] = $2; p50[NR] = $3; p99[NR] = $4; if ($1 == "direct") d = $3; if ($1 == "nginx") n = $2; if ($1 == "bare-scg") b = $2 }
  END {
    printf "| %-19s | %9s | %8s | %10s | %9s | %11s | %9s |\n", "target", "req/s c32", "x nginx", "x bare SCG", "p50 c1 ms", "added p50 ms", "p99 c1 ms"
    printf "|%s|%s|%s|%s|%s|%s|%s|\n", "---", "---:", "---:", "---:", "---:", "---:", "---:"
    for (i = 1; i <= NR; i++)
      printf "| %-19s | %9.0f | %8.2f | %10.2f | %9.3f | %+11.3f | %9.3f |\n", name[i], rps[i], rps[i] / n, rps[i] / b, p50[i], p50[i] - d, p99[i]
  }'
if [ -n "${shadow_after:-}" ]; then
  echo "shadow copies (since start, all shadow phases incl. warm-up): $shadow_after"
fi
echo "raw wrk output and logs: $OUT"
