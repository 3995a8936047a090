-- bench/http/post.lua — wrk script: POST the bench query as JSON.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = '{"query":"{ all_last_transactions { id iban new_balance changed_by from_to direction descr } }"}'
