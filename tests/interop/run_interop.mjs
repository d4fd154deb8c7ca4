// run_interop.mjs - interop scenarios between Pouch (pouch-mls-driver, a
// child process) and ts-mls (ts_mls_adapter.mjs, in-process), both spoken
// to through the JSON-lines protocol of docs/INTEROP.md.
//
// Usage: node run_interop.mjs PATH/TO/pouch-mls-driver [SCENARIO-PREFIX]
// Installs the pinned npm packages (npm ci) when node_modules is missing.
// Prints `interop NAME: PASS|FAIL|SKIP (reason)` per scenario and ends with
// `N passed, N failed, N skipped`; exits 1 on any FAIL.
// POUCH_INTEROP_SEED changes the random scenarios' seed (default 9420).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const driverPath = process.argv[2];
const only = process.argv[3] ?? "";
if (driverPath === undefined) {
  console.error("usage: node run_interop.mjs PATH/TO/pouch-mls-driver [PREFIX]");
  process.exit(2);
}

// ---- dependencies: npm ci from the committed lock file --------------------
if (!existsSync(path.join(here, "node_modules", "ts-mls", "package.json"))) {
  console.log("interop: installing pinned npm packages (npm ci)");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], {
    cwd: here,
    stdio: "inherit",
  });
  if (r.status !== 0) {
    console.log("interop setup: FAIL (npm ci failed)");
    console.log("0 passed, 1 failed, 0 skipped");
    process.exit(1);
  }
}
const { TsMlsAdapter } = await import("./ts_mls_adapter.mjs");

// ---- the two sides ----------------------------------------------------------
class Failure extends Error {}
class Skip extends Error {}

// Answers of a side: ok, or a Failure naming the request.
function check(side, req, ans) {
  if (!ans.ok) {
    const e = new Failure(`${side.name} ${req.op}: ${ans.error} ${ans.message}`);
    e.answer = ans;
    throw e;
  }
  return ans;
}

class PouchSide {
  constructor(prog) {
    this.name = "pouch";
    this.proc = spawn(prog, [], { stdio: ["pipe", "pipe", "inherit"] });
    this.waiting = [];
    this.nextId = 1;
    this.exited = false;
    this.proc.on("exit", () => {
      this.exited = true;
      for (const w of this.waiting.splice(0)) w.reject(new Failure("pouch-mls-driver exited"));
    });
    readline.createInterface({ input: this.proc.stdout }).on("line", (l) => {
      const w = this.waiting.shift();
      if (w === undefined) return;
      try {
        w.resolve(JSON.parse(l));
      } catch (e) {
        w.reject(new Failure(`pouch answered a non-JSON line: ${l.slice(0, 80)}`));
      }
    });
  }
  raw(line) {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Failure("pouch-mls-driver exited"));
      this.waiting.push({ resolve, reject });
      this.proc.stdin.write(line + "\n");
    });
  }
  async call(op, fields = {}) {
    const req = { id: this.nextId++, op, ...fields };
    const ans = await this.raw(JSON.stringify(req));
    if (ans.id !== req.id) throw new Failure(`pouch answered id ${ans.id} to ${req.id}`);
    return ans;
  }
  // End of input ends the driver; its exit status (sanitizer reports
  // included) is part of the result.
  close() {
    return new Promise((resolve) => {
      if (this.exited) return resolve(this.proc.exitCode);
      this.proc.on("exit", (code, sig) => resolve(sig ?? code));
      this.proc.stdin.end();
    });
  }
}

class TsSide {
  constructor() {
    this.name = "ts-mls";
    this.a = new TsMlsAdapter();
    this.nextId = 1;
  }
  async call(op, fields = {}) {
    const req = { id: this.nextId++, op, ...fields };
    // through JSON both ways, exactly as over a pipe
    return JSON.parse(JSON.stringify(await this.a.handle(JSON.parse(JSON.stringify(req)))));
  }
}

// A member: a side and a handle on it.
class Member {
  constructor(side, handle, name) {
    this.side = side;
    this.handle = handle;
    this.name = name;
  }
  async do(op, fields = {}) {
    return check(this.side, { op }, await this.side.call(op, { member: this.handle, ...fields }));
  }
  async try(op, fields = {}) {
    return this.side.call(op, { member: this.handle, ...fields });
  }
  // ops the Pouch engine may not support yet: SKIP instead of FAIL
  async doOrSkip(op, fields = {}) {
    const a = await this.try(op, fields);
    if (!a.ok && a.error === "POUCH_E_UNSUPPORTED")
      throw new Skip(`${this.side.name} cannot ${op} yet: ${a.message}`);
    return check(this.side, { op }, a);
  }
}

let pouch, ts;
let nameCounter = 0;
async function newMember(side, suite) {
  const name = `${side === pouch ? "p" : "t"}${++nameCounter}`;
  const a = check(side, { op: "create_member" }, await side.call("create_member", {
    suite,
    identity: Buffer.from(name).toString("hex"),
  }));
  return new Member(side, a.member, name);
}

function assert(cond, what) {
  if (!cond) throw new Failure(what);
}

// Every member in group agrees on epoch, epoch authenticator and an
// MLS-Exporter value.
async function agree(members, what = "") {
  let first;
  for (const m of members) {
    const s = await m.do("state");
    const x = await m.do("export", { label: "pouch interop", context: "0102", length: 32 });
    const v = `${s.epoch}:${s.epoch_authenticator}:${x.exported}`;
    if (first === undefined) first = { m, v };
    else if (v !== first.v)
      throw new Failure(`${what}: ${m.name} (${m.side.name}) has ${v.slice(0, 20)} but ${first.m.name} has ${first.v.slice(0, 20)}`);
  }
  return first === undefined ? undefined : Number(first.v.split(":")[0]);
}

// from sends; everyone in to reads the plaintext.
async function say(from, to, text) {
  const pt = Buffer.from(text).toString("hex");
  const { message } = await from.do("encrypt", { plaintext: pt });
  for (const m of to) {
    const a = await m.do("receive", { message });
    assert(a.kind === "application" && a.plaintext === pt, `${m.name} read ${a.kind} ${a.plaintext} for ${pt}`);
  }
}

// committer's commit is processed by the others (PublicMessage).
async function deliver(commit, others) {
  for (const m of others) {
    const a = await m.do("receive", { message: commit });
    assert(a.kind === "commit", `${m.name} saw a ${a.kind}, not a commit`);
  }
}

function flip(hexstr, at) {
  const i = Math.min(Math.max(at, 8), hexstr.length - 1);
  const c = hexstr[i] === "0" ? "1" : "0";
  return hexstr.slice(0, i) + c + hexstr.slice(i + 1);
}

// A group of creator plus joiners, all added in one commit.
async function makeGroup(creator, joiners, gid) {
  await creator.do("create_group", { group_id: Buffer.from(gid).toString("hex") });
  const kps = [];
  for (const j of joiners) kps.push((await j.do("key_package")).key_package);
  const c = await creator.do("add_members", { key_packages: kps });
  for (const j of joiners) await j.do("join", { welcome: c.welcome });
  await agree([creator, ...joiners], "after the welcome");
  return c;
}

// ---- scenarios ----------------------------------------------------------------
const scenarios = [];
function scenario(name, fn) {
  scenarios.push({ name, fn });
}

// suite1 .. suite7; the hybrid suite is suite_hybrid_0xf001
const sname = (suite) => (suite === 0xf001 ? "suite_hybrid_0xf001" : `suite${suite}`);

function defineSuite(suite) {
  const P = () => newMember(pouch, suite);
  const T = () => newMember(ts, suite);

  for (const [dir, creatorSide, joinerSide] of [
    ["pouch_to_ts", P, T],
    ["ts_to_pouch", T, P],
  ]) {
    scenario(`${sname(suite)}_welcome_${dir}`, async () => {
      const a = await creatorSide(), b = await joinerSide();
      await makeGroup(a, [b], `w-${dir}-${suite}`);
      await say(a, [b], "hello from the creator");
      await say(b, [a], "hello from the joiner");
      await say(b, [a], "");
      let c = await a.do("commit_update");
      await deliver(c.commit, [b]);
      await agree([a, b], "after the creator's update");
      c = await b.do("commit_update");
      await deliver(c.commit, [a]);
      await agree([a, b], "after the joiner's update");
      await say(a, [b], "after both updates");
      await say(b, [a], "and back");
    });
  }

  scenario(`${sname(suite)}_add_remove_by_value`, async () => {
    const p1 = await P(), t1 = await T(), p2 = await P(), t2 = await T();
    await makeGroup(p1, [t1], `ar-${suite}`);
    // ts-mls adds a Pouch and a ts-mls member
    const k1 = (await p2.do("key_package")).key_package;
    const k2 = (await t2.do("key_package")).key_package;
    let c = await t1.do("add_members", { key_packages: [k1, k2] });
    await deliver(c.commit, [p1]);
    await p2.do("join", { welcome: c.welcome });
    await t2.do("join", { welcome: c.welcome });
    const all = [p1, t1, p2, t2];
    await agree(all, "after ts-mls added two");
    await say(p2, [p1, t1, t2], "new pouch member speaks");
    // Pouch removes the ts-mls member t2
    const t2leaf = (await t2.do("state")).leaf_index;
    c = await p1.do("remove", { leaf_index: t2leaf });
    await deliver(c.commit, [t1, p2]);
    const r = await t2.do("receive", { message: c.commit });
    assert(r.removed === true, "t2 does not know it was removed");
    await agree([p1, t1, p2], "after pouch removed t2");
    // ts-mls removes the Pouch member p2
    const p2leaf = (await p2.do("state")).leaf_index;
    c = await t1.do("remove", { leaf_index: p2leaf });
    await deliver(c.commit, [p1]);
    const r2 = await p2.do("receive", { message: c.commit });
    assert(r2.removed === true, "p2 does not know it was removed");
    await agree([p1, t1], "after ts-mls removed p2");
    await say(p1, [t1], "two left");
    const bad = await p2.try("encrypt", { plaintext: "00" });
    assert(!bad.ok, "a removed Pouch member could still encrypt");
  });

  scenario(`${sname(suite)}_ts_commits_by_reference`, async () => {
    // ts-mls proposes (PublicMessage), Pouch caches the proposals; ts-mls
    // commits them by reference and Pouch resolves the references
    const p1 = await P(), t1 = await T(), p2 = await P();
    await makeGroup(p1, [t1, p2], `ref-${suite}`);
    const t2 = await T();
    const kp = (await t2.do("key_package")).key_package;
    const pa = await t1.do("propose_add", { key_package: kp });
    const p2leaf = (await p2.do("state")).leaf_index;
    const pr = await t1.do("propose_remove", { leaf_index: p2leaf });
    for (const m of [p1, p2]) {
      for (const prop of [pa.proposal, pr.proposal]) {
        const a = await m.do("receive", { message: prop });
        assert(a.kind === "proposal", `${m.name} saw ${a.kind}`);
      }
    }
    const c = await t1.do("commit", { by_reference: [pa.proposal, pr.proposal] });
    await t1.do("pending", { action: "confirm" });
    await deliver(c.commit, [p1]);
    const r = await p2.do("receive", { message: c.commit });
    assert(r.removed === true, "p2 was not removed by the referenced Remove");
    await t2.do("join", { welcome: c.welcome });
    await agree([p1, t1, t2], "after the commit by reference");
    await say(t2, [p1, t1], "joined by reference");
  });

  scenario(`${sname(suite)}_pouch_commits_by_reference`, async () => {
    // Pouch proposes and commits by reference; then a ts-mls proposal
    // committed by reference by Pouch
    const p1 = await P(), t1 = await T();
    await makeGroup(t1, [p1], `pref-${suite}`);
    const t2 = await T();
    const kp = (await t2.do("key_package")).key_package;
    const pa = await p1.doOrSkip("propose_add", { key_package: kp });
    const r0 = await t1.do("receive", { message: pa.proposal });
    assert(r0.kind === "proposal", `t1 saw ${r0.kind}`);
    let c = await p1.doOrSkip("commit", { by_reference: [pa.proposal] });
    await p1.do("pending", { action: "confirm" });
    await deliver(c.commit, [t1]);
    await t2.do("join", { welcome: c.welcome });
    await agree([p1, t1, t2], "after Pouch's commit by reference");
    const t2leaf = (await t2.do("state")).leaf_index;
    const pr = await t1.do("propose_remove", { leaf_index: t2leaf });
    for (const m of [p1, t2]) await m.do("receive", { message: pr.proposal });
    c = await p1.do("commit", { by_reference: [pr.proposal] });
    await p1.do("pending", { action: "confirm" });
    await deliver(c.commit, [t1]);
    const r = await t2.do("receive", { message: c.commit });
    assert(r.removed === true, "t2 was not removed by Pouch's commit of the ts-mls proposal");
    await agree([p1, t1], "after Pouch committed ts-mls's Remove");
    await say(t1, [p1], "by reference both ways");
  });

  scenario(`${sname(suite)}_commit_without_path`, async () => {
    const p1 = await P(), t1 = await T();
    await makeGroup(p1, [t1], `np-${suite}`);
    const t2 = await T();
    const kp = (await t2.do("key_package")).key_package;
    const c = await p1.doOrSkip("commit", { key_packages: [kp], with_path: false });
    await p1.do("pending", { action: "confirm" });
    await deliver(c.commit, [t1]);
    await t2.do("join", { welcome: c.welcome });
    await agree([p1, t1, t2], "after a commit without path");
  });

  scenario(`${sname(suite)}_external_join_into_ts_group`, async () => {
    const t1 = await T(), p1 = await P(), p2 = await P();
    await makeGroup(t1, [p1], `ext-${suite}`);
    const gi = await t1.do("group_info");
    const c = await p2.doOrSkip("external_join", { group_info: gi.group_info });
    await deliver(c.commit, [t1, p1]);
    await agree([t1, p1, p2], "after the external join");
    await say(p2, [t1, p1], "joined from outside");
  });

  scenario(`${sname(suite)}_ts_external_join_into_pouch_group`, async () => {
    const p1 = await P(), t1 = await T(), t2 = await T();
    await makeGroup(p1, [t1], `ext2-${suite}`);
    const gi = await p1.doOrSkip("group_info");
    const c = await t2.do("external_join", { group_info: gi.group_info });
    await deliver(c.commit, [p1, t1]);
    await agree([p1, t1, t2], "after the external join");
    await say(t2, [p1, t1], "joined from outside");
  });

  scenario(`${sname(suite)}_ts_external_pub_encoding_rejected`, async () => {
    // ts-mls's own external_pub encoding (INTEROP.md, difference 5):
    // Pouch must refuse the GroupInfo and stay out of the group
    const t1 = await T(), p1 = await P();
    await t1.do("create_group", { group_id: "7878" });
    const gi = await t1.do("group_info", { ts_default_external_pub: true });
    const r = await p1.try("external_join", { group_info: gi.group_info });
    assert(!r.ok && /^POUCH_E_/.test(r.error), `pouch answered ${r.error ?? "ok"}`);
    const s = await p1.try("epoch");
    assert(!s.ok && s.error === "POUCH_E_STATE", "the refused join left a group behind");
  });

  scenario(`${sname(suite)}_external_sender_remove`, async () => {
    // a server-style external sender (made and signed by ts-mls) in a
    // Pouch-created group proposes Removes that Pouch members commit.
    // A ts-mls member cannot read the RFC 9420 external_senders
    // extension (INTEROP.md, difference 3): it is shown, then removed.
    const server = Buffer.from("server").toString("hex");
    const es = check(ts, { op: "x" }, await ts.call("external_sender_create", { suite, identity: server }));
    const gid = Buffer.from(`es-${suite}`).toString("hex");
    const p1 = await P(), t1 = await T(), p2 = await P(), p3 = await P();
    await p1.doOrSkip("create_group", {
      group_id: gid,
      external_senders: [{ signature_key: es.signature_key, identity: server }],
    });
    const kps = [];
    for (const j of [t1, p2, p3]) kps.push((await j.do("key_package")).key_package);
    const c0 = await p1.do("add_members", { key_packages: kps });
    for (const j of [t1, p2, p3]) await j.do("join", { welcome: c0.welcome });
    let all = [p1, t1, p2, p3];
    await agree(all, "after the welcome");
    for (const [victim, committer] of [
      [t1, p1],
      [p3, p2],
    ]) {
      const epoch = (await p1.do("state")).epoch;
      const leaf = (await victim.do("state")).leaf_index;
      const pr = check(ts, { op: "x" }, await ts.call("external_propose_remove", {
        sender: es.sender,
        group_id: gid,
        epoch,
        leaf_index: leaf,
      }));
      all = all.filter((m) => m !== victim);
      for (const m of all) {
        const a = await m.do("receive", { message: pr.proposal });
        assert(a.kind === "proposal", `${m.name} saw ${a.kind}`);
      }
      if (victim.side === ts) {
        const a = await victim.try("receive", { message: pr.proposal });
        assert(a.ok || /ExternalSender/.test(a.message), `ts-mls: ${a.error} ${a.message}`);
      } else {
        await victim.do("receive", { message: pr.proposal });
      }
      const c = await committer.do("commit", { by_reference: [pr.proposal] });
      await committer.do("pending", { action: "confirm" });
      await deliver(c.commit, all.filter((m) => m !== committer));
      if (victim.side === pouch) {
        const r = await victim.do("receive", { message: c.commit });
        assert(r.removed === true, `${victim.name} was not removed`);
      }
      await agree(all, `after the external Remove of ${victim.name}`);
      const n = (await p1.do("state")).members;
      assert(n === all.length, `${n} members after the Remove`);
    }
    await say(p1, [p2], "the server removed two");
  });

  if ([2, 5, 7].includes(suite))
    scenario(`${sname(suite)}_ts_compressed_ecdsa_key_rejected`, async () => {
      // ts-mls's own default key encoding breaks RFC 9420 5.1.1: Pouch
      // must refuse it (INTEROP.md, difference 2); the other scenarios
      // use the adapter's uncompressed workaround
      const p1 = await P();
      const a = check(ts, { op: "create_member" }, await ts.call("create_member", {
        suite,
        identity: "74",
        ts_default_sig_key: true,
      }));
      const t1 = new Member(ts, a.member, "t-compressed");
      const kp = (await t1.do("key_package")).key_package;
      await p1.do("create_group", { group_id: "6363" });
      const r = await p1.try("add_members", { key_packages: [kp] });
      assert(!r.ok && r.error === "POUCH_E_BAD_KEY", `pouch answered ${r.error ?? "ok"} to a compressed key`);
      assert((await p1.do("epoch")).epoch === 0, "the refused add changed the epoch");
    });

  if (suite === 0xf001)
    scenario(`${sname(suite)}_ts_xwing_derive_differs`, async () => {
      // with ts-mls's own X-Wing DeriveKeyPair its UpdatePath keys are not
      // the suite's (INTEROP.md, difference 4): Pouch must refuse the
      // commit; the other scenarios use the adapter's hpke-pq derivation
      const p1 = await P();
      const a = check(ts, { op: "create_member" }, await ts.call("create_member", {
        suite,
        identity: "74",
        ts_default_xwing_derive: true,
      }));
      const t1 = new Member(ts, a.member, "t-xwing");
      await makeGroup(p1, [t1], "xwing");
      const c = await t1.do("commit_update");
      const r = await p1.try("receive", { message: c.commit });
      assert(!r.ok && r.error === "POUCH_E_PATH_KEY", `pouch answered ${r.error ?? "ok"}`);
      assert((await p1.do("epoch")).epoch === 1, "the refused commit changed the epoch");
    });

  scenario(`${sname(suite)}_tampered_messages`, async () => {
    const p1 = await P(), t1 = await T();
    await makeGroup(p1, [t1], `tamper-${suite}`);
    // ts-mls -> Pouch: a flipped bit in the PrivateMessage ciphertext
    const { message } = await t1.do("encrypt", { plaintext: "61626364" });
    for (const at of [message.length - 4, message.length / 2, 12]) {
      const a = await p1.try("receive", { message: flip(message, Math.floor(at)) });
      assert(!a.ok && /^POUCH_E_/.test(a.error), `pouch accepted a tampered message (${JSON.stringify(a).slice(0, 80)})`);
    }
    let a = await p1.try("receive", { message: message.slice(0, message.length - 10) });
    assert(!a.ok && /^POUCH_E_/.test(a.error), "pouch accepted a truncated message");
    a = await p1.do("receive", { message });
    assert(a.plaintext === "61626364", "the original failed after the tampered ones");
    // ts-mls commit, tampered, then the original
    const c = await t1.do("commit_update");
    for (const at of [c.commit.length - 6, c.commit.length / 2]) {
      a = await p1.try("receive", { message: flip(c.commit, Math.floor(at)) });
      assert(!a.ok && /^POUCH_E_/.test(a.error), "pouch accepted a tampered commit");
    }
    await deliver(c.commit, [p1]);
    await agree([p1, t1], "after the tampered commits");
    // Pouch -> ts-mls
    const m2 = (await p1.do("encrypt", { plaintext: "6566" })).message;
    a = await t1.try("receive", { message: flip(m2, m2.length - 4) });
    assert(!a.ok, "ts-mls accepted a tampered Pouch message");
    a = await t1.try("receive", { message: m2 });
    if (!a.ok)
      throw new Failure(`ts-mls cannot read the original after a tampered copy (${a.error}: ${a.message}); see docs/INTEROP.md`);
    assert(a.plaintext === "6566", "ts-mls read the wrong plaintext");
    const c2 = await p1.do("commit_update");
    a = await t1.try("receive", { message: flip(c2.commit, c2.commit.length - 6) });
    assert(!a.ok, "ts-mls accepted a tampered Pouch commit");
    await deliver(c2.commit, [t1]);
    await agree([p1, t1], "after the tampered Pouch commit");
  });
}

// A 10-member group of both implementations, 100 random steps.
function defineRandom(suite, steps) {
  scenario(`${sname(suite)}_random_10_members_${steps}_steps`, async () => {
    let seed = Number(process.env.POUCH_INTEROP_SEED ?? 9420);
    const seed0 = seed;
    const rnd = (n) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n);
    };
    const mk = (i) => newMember(i % 2 === 0 ? pouch : ts, suite);
    const group = [];
    for (let i = 0; i < 10; i++) group.push(await mk(i));
    await makeGroup(group[0], group.slice(1), `rand-${suite}`);
    let made = 10;
    const stats = { message: 0, update: 0, add: 0, remove: 0 };
    let where = "setup";
    try {
      for (let step = 0; step < steps; step++) {
        const op = ["message", "message", "update", "add", "remove"][rnd(5)];
        const who = group[rnd(group.length)];
        where = `step ${step}: ${op} by ${who.name} (${who.side.name})`;
        const others = group.filter((m) => m !== who);
        if (op === "message") {
          stats.message++;
          await say(who, others, `step ${step}`);
        } else if (op === "update") {
          stats.update++;
          const c = await who.do("commit_update");
          await deliver(c.commit, others);
        } else if (op === "add" && group.length < 10) {
          stats.add++;
          const n = await mk(made++);
          const kp = (await n.do("key_package")).key_package;
          const c = await who.do("add_members", { key_packages: [kp] });
          await deliver(c.commit, others);
          // would ts-mls's tree check reject the new tree? (INTEROP.md, 1)
          const tsm = group.find((m) => m.side === ts);
          const quirk = tsm !== undefined && (await tsm.do("unmerged_quirk")).quirk;
          const j = await n.try("join", { welcome: c.welcome });
          if (j.ok) {
            assert(!quirk || n.side !== ts, "ts-mls joined a tree the quirk check predicted it would reject");
            group.push(n);
          } else {
            // only the known ts-mls difference is tolerated: show it,
            // then remove the leaf its newcomer could not take
            assert(n.side === ts && quirk && /unmerged_leaves/.test(j.message), `${n.name} join: ${j.error} ${j.message}`);
            stats.tsRejectedValidTree = (stats.tsRejectedValidTree ?? 0) + 1;
            const id = Buffer.from(n.name).toString("hex");
            const ghost = (await who.do("members")).members.find((x) => x.identity === id);
            assert(ghost !== undefined, "the added leaf is not in the tree");
            const r = await who.do("remove", { leaf_index: ghost.leaf_index });
            await deliver(r.commit, others);
          }
        } else if (group.length > 2) {
          // remove someone else (when the group is full, "add" removes too)
          stats.remove++;
          const victim = others[rnd(others.length)];
          const leaf = (await victim.do("state")).leaf_index;
          const c = await who.do("remove", { leaf_index: leaf });
          await deliver(c.commit, others);
          group.splice(group.indexOf(victim), 1);
        }
        await agree(group, `step ${step} (${op} by ${who.name})`);
      }
    } catch (e) {
      e.message += ` [at ${where}, seed ${seed0}]`;
      throw e;
    }
    return `seed ${seed0}, ${JSON.stringify(stats)}`;
  });
}

// ---- main ------------------------------------------------------------------------
pouch = new PouchSide(driverPath);
ts = new TsSide();
let passed = 0, failed = 0, skipped = 0;
try {
  const ps = check(pouch, { op: "supported_suites" }, await pouch.call("supported_suites")).suites;
  const tss = check(ts, { op: "supported_suites" }, await ts.call("supported_suites")).suites;
  const both = ps.filter((s) => s >= 1 && s <= 7 && tss.includes(s));
  const hybrid = ps.includes(0xf001) && tss.includes(0xf001);
  console.log(`interop: Pouch suites ${ps.join(",")}; in common: ${both.join(",")}${hybrid ? ",0xf001 (hybrid)" : ""}`);
  for (const s of both) defineSuite(s);
  defineRandom(1, 100);
  for (const s of both.filter((x) => x !== 1)) defineRandom(s, 20);
  if (hybrid) {
    defineSuite(0xf001);
    defineRandom(0xf001, 20);
  } else {
    scenario("hybrid_suite_0xF001", async () => {
      throw new Skip("the hybrid suite is not offered by both sides");
    });
  }
  for (const s of both.filter((x) => !ps.includes(x) || !tss.includes(x)))
    console.log(`interop suite${s}: SKIP (not supported by both)`);
} catch (e) {
  console.log(`interop setup: FAIL (${e.message})`);
  failed++;
}

for (const { name, fn } of scenarios) {
  if (!name.startsWith(only)) continue;
  const t0 = Date.now();
  try {
    const note = await fn();
    console.log(`interop ${name}: PASS (${Date.now() - t0} ms${note ? ", " + note : ""})`);
    passed++;
  } catch (e) {
    if (e instanceof Skip) {
      console.log(`interop ${name}: SKIP (${e.message})`);
      skipped++;
    } else {
      console.log(`interop ${name}: FAIL (${e.message})`);
      if (!(e instanceof Failure)) console.log(e.stack);
      failed++;
    }
  }
}
const status = await pouch.close();
if (status !== 0) {
  console.log(`interop driver_exit: FAIL (pouch-mls-driver exited with ${status})`);
  failed++;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
