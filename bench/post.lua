-- wrk script: POST GraphQL JSON bodies read from a file (given after `--`, one body
-- per line), a line drawn at random for every request, then print a
-- machine-readable summary line. W1-W3's files hold one line; W4-W10's one line per
-- variables value (a slug, a cursor, a node id, ...: bench/variants.py).
-- Usage: wrk -t1 -c8 -d10s -s post.lua http://127.0.0.1:PORT/graphql -- bodies.jsonl

local requests = {}

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  for line in io.lines(args[1]) do
    if #line > 0 then
      -- formatted once here, so a request costs wrk a table lookup
      requests[#requests + 1] = wrk.format(nil, nil, nil, line)
    end
  end
  assert(#requests > 0, "no request body in " .. args[1])
  math.randomseed(os.time())
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, '
      .. '"status_errors": %d, "timeouts": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max
  ))
end
