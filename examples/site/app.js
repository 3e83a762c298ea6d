// Reads the chain from this page's own origin: the gateway that serves the page answers
// /.nubes/name (what the name resolves to) and read-only JSON-RPC at /.nubes/rpc, so the page
// needs no node URL, no CORS and no third party.

async function rpc(method, params = []) {
  const response = await fetch("/.nubes/rpc", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const answer = await response.json();
  if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
  return answer.result;
}

function show(id, text) {
  document.getElementById(id).textContent = text;
}

async function main() {
  const name = await (await fetch("/.nubes/name")).json();
  show("name", name.name);
  show("resolved", `#${name.block}`);
  const target = name.record && name.record.target;
  show("root", target && target.site ? target.site.root : JSON.stringify(target));
  show("chain", await rpc("system_chain"));
  const head = await rpc("chain_getFinalizedHead");
  const header = await rpc("chain_getHeader", [head]);
  show("finalized", `#${parseInt(header.number, 16)} ${head}`);
  show("status", `read from the chain at finalized block #${parseInt(header.number, 16)}`);
}

main().catch((error) => show("status", `cannot read the chain: ${error.message}`));
