// Drives Debian's chromium (headless, through playwright-core) through one course notebook in
// JupyterLab, as a learner would: open it, Run > Run All Cells, then press Check, Hint and Reset
// on one lab task. Used by tests/course/test_browser_live.py, which starts the server.
//
//   node course_notebook.mjs '{"url": ..., "notebook": "03-pods.ipynb", "lab": "pods-sidecar-emptydir",
//                              "shots": "out/browser", "chromium": "/usr/bin/chromium", "timeout": 240}'
//
// Prints one JSON line: what was seen (counts, texts, the phases' seconds); exits 1 with
// {"error": ...} (and a screenshot of the moment) when a step did not happen in time.
import { chromium } from 'playwright-core';
import path from 'node:path';
import fs from 'node:fs';

const cfg = JSON.parse(process.argv[2]);
const timeout = (cfg.timeout || 240) * 1000;
fs.mkdirSync(cfg.shots, { recursive: true });
const seen = { phases: {}, screenshots: [] };
const t0 = Date.now();
let mark = t0;
const phase = (name) => { const now = Date.now(); seen.phases[name] = (now - mark) / 1000; mark = now; };

const browser = await chromium.launch({
  executablePath: cfg.chromium || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
page.setDefaultTimeout(timeout);
const shot = async (name, locator) => {
  const file = path.join(cfg.shots, `${name}.png`);
  if (locator) await locator.screenshot({ path: file }); else await page.screenshot({ path: file });
  seen.screenshots.push(file);
};

// a kernel dialog that pops up while the session is still connecting: keep the notebook's kernel;
// JupyterLab's "notified about official Jupyter news?" toast: no (the machine is offline anyway)
await page.addLocatorHandler(page.locator('.jp-Dialog', { hasText: 'Select Kernel' }), async (d) => {
  seen.kernel_dialog = true;
  await d.locator('button', { hasText: /^Select$/ }).click();
});
await page.addLocatorHandler(page.locator('.Toastify__toast', { hasText: 'Jupyter news' }), async (t) => {
  await t.getByRole('button', { name: 'No', exact: true }).click();
});

try {
  await page.goto(cfg.url);
  const nb = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  await nb.waitFor();
  // the kernel is up when the status bar has said Idle for a while (it says idle once while the
  // session is still being set up, then connecting/unknown, then idle for good)
  const idle = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status="idle"]');
  for (let stable = 0; stable < 3;) {
    await idle.waitFor();
    await page.waitForTimeout(1000);
    stable = (await idle.count()) ? stable + 1 : 0;
  }
  phase('open');

  await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
  await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
  // done when every code cell shows an execution count (no "[*]", no "[ ]") and the kernel is idle
  await page.waitForFunction(() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent.trim());
    return prompts.length > 0 && prompts.every(p => /^\[\d+\]:$/.test(p));
  }, null, { timeout, polling: 500 });
  phase('run all');
  seen.code_cells = await page.locator('.jp-CodeCell').count();
  seen.errors = await page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').allTextContents();
  // textContent, not innerText: cells scrolled out of view are not rendered (content-visibility)
  seen.worked_example_text = (await page.locator('.jp-CodeCell .jp-Editor').allTextContents()).join('\n');
  seen.shell_text = (await page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]').allTextContents()).join('\n');
  seen.widgets = await page.locator('.jupyter-widgets.widget-button').count();
  await shot('01-notebook-run');
  // the first worked example: plain YAML in, `$ kubectl apply -f - <<'EOF'` and its output out
  const example = page.locator('.jp-CodeCell', { hasText: 'name: duo' }).first();
  await example.scrollIntoViewIfNeeded();
  await shot('01b-worked-example', example);

  // the lab task's panel: the widget box whose status line names the lab's title
  const panel = page.locator('.widget-vbox', { has: page.locator('.widget-button', { hasText: 'Check' }) })
    .filter({ hasText: cfg.title }).first();
  await panel.scrollIntoViewIfNeeded();
  await panel.locator('.widget-button', { hasText: 'Check' }).click();
  const table = panel.locator('.kubelab-result table');
  await table.waitFor();
  phase('check');
  seen.result_rows = await table.locator('tr').count();
  seen.result_text = await panel.locator('.kubelab-result').innerText();
  await shot('02-check-result', panel);

  await panel.locator('.widget-button', { hasText: 'Hint' }).click();
  const hint = panel.locator('i', { hasText: /^Hint \d+\/\d+/ });
  await hint.waitFor();
  seen.hint = await hint.innerText();
  phase('hint');
  await shot('03-hint', panel);

  await panel.locator('.widget-button', { hasText: 'Reset' }).click();
  await panel.getByText('reset: ready to start').waitFor();
  seen.after_reset_tables = await panel.locator('.kubelab-result table').count();
  phase('reset');
  await shot('04-reset', panel);
  seen.seconds = (Date.now() - t0) / 1000;
  console.log(JSON.stringify(seen));
  await browser.close();
} catch (err) {
  try { await shot('failed'); } catch {}
  seen.error = String(err && err.message || err).split('\n').slice(0, 6).join('\n');
  console.log(JSON.stringify(seen));
  await browser.close();
  process.exit(1);
}
