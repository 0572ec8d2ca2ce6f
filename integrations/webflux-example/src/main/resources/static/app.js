// The page: starts a turn, follows its server-sent events, answers its approvals. All text from the server
// (the model's, the commands', the diffs') goes in through textContent, never as HTML.
'use strict';

const form = document.getElementById('prompt-form');
const promptInput = document.getElementById('prompt');
const sendButton = document.getElementById('send');
const statusLine = document.getElementById('status');
const transcript = document.getElementById('transcript');

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function block(kind, title) {
  const node = el('div', 'block ' + kind);
  node.append(el('h2', null, title));
  transcript.append(node);
  node.scrollIntoView({ block: 'nearest' });
  return node;
}

function setStatus(state, text) {
  statusLine.dataset.state = state;
  statusLine.textContent = text;
}

function setBusy(busy) {
  sendButton.disabled = busy;
  promptInput.disabled = busy;
}

// One turn's blocks, by codex item id.
function turnView(turnId) {
  const items = new Map();
  const item = (itemId, make) => {
    if (!items.has(itemId)) items.set(itemId, make());
    return items.get(itemId);
  };
  const agent = itemId => item(itemId, () => {
    const node = block('agent', 'codex');
    node.dataset.itemId = itemId;
    node.append(el('div', 'agent-text'));
    return node;
  });
  const command = (itemId, commandLine, cwd) => item(itemId, () => {
    const node = block('command', 'command');
    node.dataset.itemId = itemId;
    const badge = el('span', 'badge', 'running');
    badge.dataset.status = 'inProgress';
    node.append(badge, el('pre', 'command-line', '$ ' + (commandLine || '')), el('pre', 'output'));
    if (cwd) node.append(el('p', 'meta', 'in ' + cwd));
    return node;
  });
  const fileChange = (itemId, changes) => item(itemId, () => {
    const node = block('file-change', 'file change');
    node.dataset.itemId = itemId;
    const badge = el('span', 'badge', 'proposed');
    badge.dataset.status = 'inProgress';
    node.append(badge, diffView(changes));
    return node;
  });
  return { turnId, agent, command, fileChange };
}

function diffView(changes) {
  const container = el('div', 'diffs');
  for (const change of changes || []) {
    container.append(el('p', 'meta', (change.kind || 'change') + ': ' + (change.path || '')));
    const pre = el('pre', 'diff');
    const lines = String(change.diff || '').replace(/\n$/, '').split('\n');
    // codex gives an added (or deleted) file's content, not a unified diff: show it as one
    const mark = change.kind === 'add' ? '+' : change.kind === 'delete' ? '-' : '';
    for (const raw of lines) {
      const line = mark + raw;
      const cls = line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : null;
      pre.append(el('span', cls, line + '\n'));
    }
    container.append(pre);
  }
  return container;
}

function setBadge(node, status) {
  const badge = node.querySelector('.badge');
  badge.dataset.status = status || 'unknown';
  badge.textContent = status || 'unknown';
}

function approvalCard(view, data) {
  const isCommand = data.kind === 'command';
  const node = block('approval', isCommand ? 'codex asks to run a command' : 'codex asks to change files');
  node.dataset.approvalId = data.approvalId;
  node.dataset.itemId = data.itemId || '';
  if (isCommand) {
    node.append(el('pre', 'approval-command', '$ ' + (data.command || '')));
    if (data.cwd) node.append(el('p', 'meta', 'in ' + data.cwd));
  } else {
    node.append(diffView(data.changes));
  }
  if (data.reason) node.append(el('p', 'meta reason', 'because: ' + data.reason));
  node.append(el('p', 'meta', 'No answer within ' + data.timeoutSeconds + ' s declines.'));
  const accept = el('button', 'accept', 'Accept');
  const decline = el('button', 'decline', 'Decline');
  accept.type = decline.type = 'button';
  const outcome = el('p', 'outcome');
  const answer = async decision => {
    accept.disabled = decline.disabled = true;
    const response = await fetch('/api/turns/' + encodeURIComponent(view.turnId) + '/approvals/'
        + encodeURIComponent(data.approvalId), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ decision })
    });
    if (!response.ok) outcome.textContent = 'Could not answer: HTTP ' + response.status;
  };
  accept.addEventListener('click', () => answer('accept'));
  decline.addEventListener('click', () => answer('decline'));
  const buttons = el('div', 'buttons');
  buttons.append(accept, decline);
  node.append(buttons, outcome);
  setStatus('approval', 'Waiting for your approval.');
}

function approvalResolved(data) {
  const node = transcript.querySelector('.approval[data-approval-id="' + CSS.escape(data.approvalId) + '"]');
  if (!node) return;
  node.querySelectorAll('button').forEach(b => { b.disabled = true; });
  const outcome = node.querySelector('.outcome');
  outcome.dataset.decision = data.decision;
  outcome.textContent = data.timedOut ? 'Declined: no answer in time.'
      : data.decision === 'accept' ? 'Accepted.' : 'Declined.';
  setStatus('running', 'Running…');
}

function follow(turnId) {
  const view = turnView(turnId);
  const source = new EventSource('/api/turns/' + encodeURIComponent(turnId) + '/events');
  const on = (name, handle) => source.addEventListener(name, event => handle(JSON.parse(event.data)));
  on('text', d => { view.agent(d.itemId).querySelector('.agent-text').textContent += d.delta; });
  on('agentMessage', d => { view.agent(d.itemId).querySelector('.agent-text').textContent = d.text || ''; });
  on('command', d => { view.command(d.itemId, d.command, d.cwd); });
  on('output', d => { view.command(d.itemId).querySelector('.output').textContent += d.delta; });
  on('commandDone', d => {
    const node = view.command(d.itemId);
    const output = node.querySelector('.output');
    if (!output.textContent && d.output) output.textContent = d.output;
    setBadge(node, d.status + (d.exitCode !== undefined ? ' (exit ' + d.exitCode + ')' : ''));
    node.querySelector('.badge').dataset.status = d.status;
  });
  on('fileChange', d => { view.fileChange(d.itemId, d.changes); });
  on('fileChangeDone', d => {
    const node = view.fileChange(d.itemId, d.changes);
    setBadge(node, d.status);
  });
  on('approval', d => approvalCard(view, d));
  on('approvalResolved', approvalResolved);
  on('turnError', d => { block('error', d.willRetry ? 'error (codex retries)' : 'error').append(el('p', null, d.message)); });
  on('done', d => {
    source.close();   // else EventSource reconnects when the stream ends
    transcript.querySelectorAll('.approval .outcome:empty').forEach(outcome => {
      outcome.closest('.approval').querySelectorAll('button').forEach(b => { b.disabled = true; });
      outcome.textContent = 'The turn ended before an answer.';
    });
    setStatus(d.status, 'Turn ' + d.status + (d.error ? ': ' + d.error : '.'));
    setBusy(false);
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      setStatus('failed', 'Lost the connection to the server.');
      setBusy(false);
    }
  };
}

form.addEventListener('submit', async event => {
  event.preventDefault();
  const prompt = promptInput.value.trim();
  if (!prompt) return;
  setBusy(true);
  transcript.replaceChildren();
  block('user', 'you').append(el('div', 'agent-text', prompt));
  setStatus('running', 'Starting…');
  try {
    const response = await fetch('/api/turns', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ prompt })
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.message || body.error || ('HTTP ' + response.status));
    setStatus('running', 'Running…');
    follow(body.turnId);
  } catch (e) {
    setStatus('failed', 'Could not start the turn: ' + e.message);
    setBusy(false);
  }
});
