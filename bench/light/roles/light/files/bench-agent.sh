#!/bin/sh
# A stand-in long-running service: logs a heartbeat now and then.
echo "bench agent starting with ${BENCH_CONFIG:-no config} (log level ${BENCH_LOG_LEVEL:-info})"
while :; do
  sleep 300
  echo "heartbeat"
done
