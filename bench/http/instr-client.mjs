// bench/http/instr-client.mjs URL N [PATH] — N sequential POSTs of the bench
// query over one keep-alive connection (bench/http/instructions.sh counts the
// gateway's instructions meanwhile).
import http from 'node:http';
const [url, n, path] = [process.argv[2], Number(process.argv[3]), process.argv[4] || '/graphql'];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const body = JSON.stringify({ query: '{ all_last_transactions { id iban new_balance changed_by from_to direction descr } }' });
const u = new URL(url);
for (let i = 0; i < n; i++) {
  await new Promise((resolve, reject) => {
    const r = http.request({ host: u.hostname, port: u.port, path, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume(); res.on('end', resolve);
    });
    r.on('error', reject); r.end(body);
  });
}
agent.destroy();
