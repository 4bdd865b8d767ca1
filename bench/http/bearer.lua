-- bench/http/bearer.lua - wrk script of bench/http/run: every request
-- carries the API token from the environment (BENCH_HTTP_TOKEN) as
-- "Authorization: Bearer <token>", the way regman expects API tokens.
-- The token stays out of the command line (and so out of ps).
local token = os.getenv("BENCH_HTTP_TOKEN")
if token == nil or token == "" then
    error("bench/http/bearer.lua: BENCH_HTTP_TOKEN is not set")
end
wrk.headers["Authorization"] = "Bearer " .. token
