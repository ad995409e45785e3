-- wrk script: POST a small chat completion request (bench/http.sh); `-- stream` streams it (stream: true)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"gpt-4.1","messages":[{"role":"user","content":"Say hello in five words"}],"max_tokens":16}'

init = function(args)
  if args[1] == "stream" then
    wrk.body = '{"model":"gpt-4.1","stream":true,"messages":[{"role":"user","content":"Say hello in five words"}],"max_tokens":16}'
  end
end

local non200 = 0
response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("BENCH rps=%.0f p50_ms=%.2f p99_ms=%.2f requests=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout))
end
