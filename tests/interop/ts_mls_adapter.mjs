// ts_mls_adapter.mjs - the independent implementation (npm ts-mls, pinned in
// package.json) behind the same JSON-lines protocol as pouch-mls-driver
// (docs/INTEROP.md), so that the scenario runner treats both sides alike.
//
// Used in-process by run_interop.mjs (`new TsMlsAdapter().handle(req)`), or
// as a program: `node ts_mls_adapter.mjs` reads requests on stdin and
// answers on stdout, one JSON object a line.  Test-only code.
import * as readline from "node:readline";
import { fileURLToPath } from "node:url";
import {
  acceptAll,
  ciphersuites,
  createApplicationMessage,
  createCommit,
  createGroup,
  createGroupInfoWithExternalPubAndRatchetTree,
  createProposal,
  decodeExternalSender,
  decodeMlsMessage,
  encodeExternalSender,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  joinGroupExternal,
  mlsExporter,
  processMessage,
  proposeExternal,
} from "ts-mls";
import { signGroupInfo } from "ts-mls/groupInfo.js";
import { directPath, leafWidth } from "ts-mls/treemath.js";

export const hex = (u8) => Buffer.from(u8).toString("hex");
export const unhex = (s) => {
  if (typeof s !== "string" || s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s))
    throw new AdapterError("POUCH_E_MALFORMED", "a hex field is not hex");
  return new Uint8Array(Buffer.from(s, "hex"));
};

class AdapterError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const suiteNames = new Map(Object.entries(ciphersuites).map(([n, id]) => [id, n]));

function decodeAs(bytes, wireformat) {
  let d;
  try {
    d = decodeMlsMessage(bytes, 0);
  } catch (e) {
    d = undefined;
  }
  if (d === undefined || d[1] !== bytes.length)
    throw new AdapterError("POUCH_E_MALFORMED", "not a valid MLSMessage");
  if (wireformat !== undefined && d[0].wireformat !== wireformat)
    throw new AdapterError("POUCH_E_MALFORMED", `not an MLSMessage(${wireformat})`);
  return d[0];
}

// Pouch's hybrid suite MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519
// (draft-ietf-mls-pq-ciphersuites, X-Wing KEM) under Pouch's private code
// point.  ts-mls has no such suite, but its suite enumeration is open
// (an unknown code point is carried as its decimal string), so it can be
// described to ts-mls's provider directly (docs/INTEROP.md).
const HYBRID = 0xf001;
const hybridSuite = {
  hash: "SHA-256",
  hpke: { kem: "X-Wing", aead: "AES128GCM", kdf: "HKDF-SHA256" },
  signature: "Ed25519",
  name: String(HYBRID),
};
// @hpke/hybridkem-x-wing 0.7.0, which ts-mls uses for X-Wing, derives key
// pairs as draft-connolly-cfrg-xwing-kem: seed = SHAKE256(ikm, 32).  The
// MLS suite (draft-ietf-mls-pq-ciphersuites-06) takes KEM 0x647A from
// draft-ietf-hpke-pq: seed = SHAKE256.LabeledDerive(ikm, "DeriveKeyPair",
// "", 32) with suite_id "KEM" 0x647A, which Pouch implements.  Encap and
// Decap agree, so only UpdatePath keys differ (docs/INTEROP.md,
// difference 4): the adapter replaces deriveKeyPair with the hpke-pq one.
async function hybridImpl() {
  const cs = await getCiphersuiteImpl(hybridSuite);
  const { shake256 } = await import("@noble/hashes/sha3.js");
  const { XWing } = await import("@hpke/hybridkem-x-wing");
  const xw = new XWing();
  const prefix = Buffer.concat([
    Buffer.from("HPKE-v1"),
    Buffer.from([0x4b, 0x45, 0x4d, 0x64, 0x7a]), // "KEM" 0x647A
    Buffer.from([0, 13]),
    Buffer.from("DeriveKeyPair"),
    Buffer.from([0, 32]),
  ]);
  cs.hpke.deriveKeyPair = async (ikm) => {
    const seed = shake256(Buffer.concat([Buffer.from(ikm), prefix]), { dkLen: 32 });
    const [, pk] = await xw._generateKeyPairDerand(seed);
    return {
      privateKey: await cs.hpke.importPrivateKey(seed),
      publicKey: await cs.hpke.importPublicKey(new Uint8Array(pk)),
    };
  };
  return cs;
}

const capabilitiesFor = (suite) => {
  const c = defaultCapabilities();
  if (suite === HYBRID) c.ciphersuites = [...c.ciphersuites, String(HYBRID)];
  return c;
};

const ecdsaCurves = { 2: "p256", 5: "p521", 7: "p384" };

// A signature key pair, ECDSA public keys uncompressed (RFC 9420 5.1.1).
async function sigKeyPair(suite, cs) {
  const curve = ecdsaCurves[suite];
  if (curve === undefined) return cs.signature.keygen();
  const nist = await import("@noble/curves/nist.js");
  const signKey = nist[curve].utils.randomSecretKey();
  return { signKey, publicKey: nist[curve].getPublicKey(signKey, false) };
}

// ts-mls 1.6.4 reads the external_senders extension as one ExternalSender
// and takes the extension's position in GroupContext.extensions as the
// sender index, where RFC 9420 12.1.8.1 has a vector ExternalSender<V>
// indexed by position in it (docs/INTEROP.md, difference 3).  For
// proposeExternal only, give it a view of the GroupInfo whose first
// extension is just our ExternalSender: the proposal it signs is then
// exactly the RFC one for sender index 0 (an external sender's signature
// does not cover the GroupContext).
function mlsVarint(b, off) {
  const p = b[off] >> 6;
  if (p === 0) return [b[off] & 0x3f, 1];
  if (p === 1) return [((b[off] & 0x3f) << 8) | b[off + 1], 2];
  if (p === 2) return [(((b[off] & 0x3f) << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0, 4];
  throw new AdapterError("POUCH_E_MALFORMED", "bad varint");
}

function mlsVarintBytes(n) {
  if (n < 0x40) return [n];
  if (n < 0x4000) return [0x40 | (n >> 8), n & 0xff];
  return [0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

function singleSenderView(gi, publicKey) {
  const exts = gi.groupContext.extensions;
  const ext = exts.find((e) => e.extensionType === "external_senders");
  if (ext === undefined) throw new AdapterError("POUCH_E_NOT_FOUND", "no external_senders extension");
  const d = ext.extensionData;
  const [len, hl] = mlsVarint(d, 0);
  let off = hl, index = 0;
  while (off < hl + len) {
    const r = decodeExternalSender(d, off);
    if (r === undefined) throw new AdapterError("POUCH_E_MALFORMED", "bad ExternalSender");
    if (Buffer.compare(Buffer.from(r[0].signaturePublicKey), Buffer.from(publicKey)) === 0) {
      if (index !== 0) throw new AdapterError("POUCH_E_UNSUPPORTED", "workaround covers sender index 0 only");
      const single = { ...ext, extensionData: d.subarray(off, off + r[1]) };
      return { ...gi, groupContext: { ...gi.groupContext, extensions: [single, ...exts.filter((e) => e !== ext)] } };
    }
    off += r[1];
    index++;
  }
  throw new AdapterError("POUCH_E_NOT_FOUND", "our key is not an external sender of the group");
}

const encode = (m) => hex(encodeMlsMessage({ version: "mls10", ...m }));

export class TsMlsAdapter {
  constructor() {
    this.members = [];
    this.impls = new Map();
  }

  async impl(suite) {
    if (!this.impls.has(suite)) {
      if (suite === HYBRID) {
        this.impls.set(suite, await hybridImpl());
      } else {
        const name = suiteNames.get(suite);
        if (name === undefined) throw new AdapterError("POUCH_E_UNSUPPORTED", "unsupported cipher suite");
        this.impls.set(suite, await getCiphersuiteImpl(getCiphersuiteFromName(name)));
      }
    }
    return this.impls.get(suite);
  }

  member(req, grouped = true) {
    const m = this.members[(req.member ?? 0) - 1];
    if (m === undefined) throw new AdapterError("POUCH_E_NOT_FOUND", "unknown member");
    if (grouped && m.state === undefined) throw new AdapterError("POUCH_E_STATE", "the member is in no group");
    return m;
  }

  async newKeyPackage(m) {
    const kp =
      m.sigKeys !== undefined
        ? await generateKeyPackageWithKey(m.credential, capabilitiesFor(m.suite), defaultLifetime, [], m.sigKeys, m.cs)
        : await generateKeyPackage(m.credential, capabilitiesFor(m.suite), defaultLifetime, [], m.cs);
    m.kp = kp.publicPackage;
    m.priv = kp.privatePackage;
  }

  // One commit; the new state is pending unless merge.
  async commit(m, proposals, merge) {
    if (m.pending !== undefined) throw new AdapterError("POUCH_E_STATE", "a commit is pending");
    const r = await createCommit(
      { state: m.state, cipherSuite: m.cs },
      { extraProposals: proposals, ratchetTreeExtension: true, wireAsPublicMessage: true },
    );
    const out = { commit: encode(r.commit) };
    if (r.welcome !== undefined) out.welcome = encode({ wireformat: "mls_welcome", welcome: r.welcome });
    if (merge) m.state = r.newState;
    else m.pending = r.newState;
    return out;
  }

  async handle(req) {
    const id = req !== null && typeof req === "object" && !Array.isArray(req) ? (req.id ?? null) : null;
    try {
      if (id === null && (req === null || typeof req !== "object" || Array.isArray(req)))
        throw new AdapterError("POUCH_E_MALFORMED", "the request is not a JSON object");
      const fn = this.ops[req.op];
      if (typeof req.op !== "string") throw new AdapterError("POUCH_E_MALFORMED", "the request has no op");
      if (fn === undefined) throw new AdapterError("POUCH_E_UNSUPPORTED", "unknown op");
      const out = await fn.call(this, req);
      return { id, ok: true, ...out };
    } catch (e) {
      const code = e instanceof AdapterError ? e.code : `TS_MLS_${e?.constructor?.name ?? "Error"}`;
      return { id, ok: false, error: code, message: String(e?.message ?? e) };
    }
  }

  ops = {
    async supported_suites() {
      return { suites: [...suiteNames.keys(), HYBRID] };
    },
    async create_member(req) {
      // ts_default_xwing_derive: ts-mls's own X-Wing DeriveKeyPair, to
      // show difference 4
      const cs =
        req.suite === HYBRID && req.ts_default_xwing_derive === true
          ? await getCiphersuiteImpl(hybridSuite)
          : await this.impl(req.suite);
      const m = { suite: req.suite, cs, credential: { credentialType: "basic", identity: unhex(req.identity) } };
      // ts-mls 1.6.4 encodes ECDSA signature keys as compressed points;
      // RFC 9420 5.1.1 requires UncompressedPointRepresentation, which
      // Pouch enforces (docs/INTEROP.md, difference 2).  Work around it
      // with an uncompressed key pair, unless the request asks for ts-mls's
      // default (to show the difference).
      if (ecdsaCurves[req.suite] !== undefined && req.ts_default_sig_key !== true)
        m.sigKeys = await sigKeyPair(req.suite, cs);
      this.members.push(m);
      return { member: this.members.length };
    },
    async key_package(req) {
      const m = this.member(req, false);
      await this.newKeyPackage(m);
      return { key_package: encode({ wireformat: "mls_key_package", keyPackage: m.kp }) };
    },
    async create_group(req) {
      const m = this.member(req, false);
      if (m.state !== undefined) throw new AdapterError("POUCH_E_STATE", "already in a group");
      if (m.kp === undefined) await this.newKeyPackage(m);
      m.state = await createGroup(unhex(req.group_id), m.kp, m.priv, [], m.cs);
      return {};
    },
    async add_members(req) {
      const m = this.member(req);
      const props = (req.key_packages ?? []).map((k) => ({
        proposalType: "add",
        add: { keyPackage: decodeAs(unhex(k), "mls_key_package").keyPackage },
      }));
      return this.commit(m, props, true);
    },
    async commit_update(req) {
      return this.commit(this.member(req), [], true);
    },
    async remove(req) {
      return this.commit(this.member(req), [{ proposalType: "remove", remove: { removed: req.leaf_index } }], true);
    },
    async commit(req) {
      const m = this.member(req);
      // proposals by reference are those this member received (ts-mls
      // commits every one it holds); by value ones come as fields
      const props = (req.key_packages ?? []).map((k) => ({
        proposalType: "add",
        add: { keyPackage: decodeAs(unhex(k), "mls_key_package").keyPackage },
      }));
      for (const l of req.removes ?? []) props.push({ proposalType: "remove", remove: { removed: l } });
      if (req.with_path === false) throw new AdapterError("POUCH_E_UNSUPPORTED", "ts-mls decides the path itself");
      return this.commit(m, props, false);
    },
    async propose_add(req) {
      const m = this.member(req);
      const kp = decodeAs(unhex(req.key_package), "mls_key_package").keyPackage;
      const r = await createProposal(m.state, true, { proposalType: "add", add: { keyPackage: kp } }, m.cs);
      m.state = r.newState;
      return { proposal: encode(r.message) };
    },
    async propose_remove(req) {
      const m = this.member(req);
      const r = await createProposal(m.state, true, { proposalType: "remove", remove: { removed: req.leaf_index } }, m.cs);
      m.state = r.newState;
      return { proposal: encode(r.message) };
    },
    async join(req) {
      const m = this.member(req, false);
      if (m.state !== undefined) throw new AdapterError("POUCH_E_STATE", "already in a group");
      const w = decodeAs(unhex(req.welcome), "mls_welcome").welcome;
      m.state = await joinGroup(w, m.kp, m.priv, emptyPskIndex, m.cs);
      return { epoch: Number(m.state.groupContext.epoch) };
    },
    // ts-mls 1.6.4 writes the external_pub extension as the bare key;
    // RFC 9420 12.4.3.2 has struct { HPKEPublicKey external_pub; }, an
    // opaque<V> (docs/INTEROP.md, difference 5).  The adapter adds the
    // length prefix and signs the GroupInfo again, unless asked for
    // ts-mls's own encoding.
    async group_info(req) {
      const m = this.member(req);
      let gi = await createGroupInfoWithExternalPubAndRatchetTree(m.state, [], m.cs);
      if (req.ts_default_external_pub !== true) {
        const extensions = gi.extensions.map((e) =>
          e.extensionType === "external_pub"
            ? { ...e, extensionData: new Uint8Array([...mlsVarintBytes(e.extensionData.length), ...e.extensionData]) }
            : e,
        );
        gi = await signGroupInfo(
          { groupContext: gi.groupContext, extensions, confirmationTag: gi.confirmationTag, signer: gi.signer },
          m.state.signaturePrivateKey,
          m.cs.signature,
        );
      }
      return { group_info: encode({ wireformat: "mls_group_info", groupInfo: gi }) };
    },
    async external_join(req) {
      const m = this.member(req, false);
      if (m.kp === undefined) await this.newKeyPackage(m);
      const gi = decodeAs(unhex(req.group_info), "mls_group_info").groupInfo;
      // difference 5: ts-mls imports the external_pub extension data as
      // the key itself; strip the RFC's opaque<V> length for this call
      const imp = m.cs.hpke.importPublicKey;
      const ext = gi.extensions.find((e) => e.extensionType === "external_pub");
      if (ext !== undefined && req.ts_default_external_pub !== true)
        m.cs.hpke.importPublicKey = async (k) => {
          if (k === ext.extensionData) {
            const [len, hl] = mlsVarint(k, 0);
            if (hl + len === k.length) return imp.call(m.cs.hpke, k.subarray(hl));
          }
          return imp.call(m.cs.hpke, k);
        };
      let r;
      try {
        r = await joinGroupExternal(gi, m.kp, m.priv, false, m.cs);
      } finally {
        m.cs.hpke.importPublicKey = imp;
      }
      m.state = r.newState;
      return { commit: encode({ wireformat: "mls_public_message", publicMessage: r.publicMessage }) };
    },
    async encrypt(req) {
      const m = this.member(req);
      const aad = req.aad !== undefined ? unhex(req.aad) : undefined;
      const r = await createApplicationMessage(m.state, unhex(req.plaintext), m.cs, aad);
      m.state = r.newState;
      return { message: encode({ wireformat: "mls_private_message", privateMessage: r.privateMessage }) };
    },
    async receive(req) {
      const m = this.member(req);
      const msg = decodeAs(unhex(req.message));
      if (msg.wireformat !== "mls_private_message" && msg.wireformat !== "mls_public_message")
        throw new AdapterError("POUCH_E_MALFORMED", "not a PublicMessage or PrivateMessage");
      let kind = "commit";
      if (msg.wireformat === "mls_public_message")
        kind = msg.publicMessage.content.contentType === "proposal" ? "proposal" : "commit";
      const r = await processMessage(msg, m.state, emptyPskIndex, acceptAll, m.cs);
      m.state = r.newState;
      if (r.kind === "applicationMessage") return { kind: "application", plaintext: hex(r.message) };
      m.pending = undefined;
      const removed = m.state.groupActiveState?.kind === "removedFromGroup";
      return { kind, epoch: Number(m.state.groupContext.epoch), removed };
    },
    async pending(req) {
      const m = this.member(req);
      if (req.action === "confirm") {
        if (m.pending === undefined) throw new AdapterError("POUCH_E_STATE", "no pending commit");
        m.state = m.pending;
      } else if (req.action !== "discard") {
        throw new AdapterError("POUCH_E_MALFORMED", "action must be confirm or discard");
      }
      m.pending = undefined;
      return {};
    },
    async epoch(req) {
      return { epoch: Number(this.member(req).state.groupContext.epoch) };
    },
    async epoch_authenticator(req) {
      return { epoch_authenticator: hex(this.member(req).state.keySchedule.epochAuthenticator) };
    },
    async export(req) {
      const m = this.member(req);
      const v = await mlsExporter(m.state.keySchedule.exporterSecret, req.label, unhex(req.context ?? ""), req.length, m.cs);
      return { exported: hex(v) };
    },
    async state(req) {
      const m = this.member(req);
      const s = m.state;
      return {
        epoch_authenticator: hex(s.keySchedule.epochAuthenticator),
        epoch: Number(s.groupContext.epoch),
        leaf_index: s.privatePath.leafIndex,
        members: s.ratchetTree.filter((n, i) => i % 2 === 0 && n !== undefined).length,
        pending: m.pending !== undefined,
        removed: s.groupActiveState?.kind === "removedFromGroup",
      };
    },
    // A server-style external sender (RFC 9420 12.1.8.1), held here.
    async external_sender_create(req) {
      const cs = await this.impl(req.suite);
      const keys = await sigKeyPair(req.suite, cs);
      this.senders = this.senders ?? [];
      this.senders.push({ cs, keys, suite: req.suite, credential: { credentialType: "basic", identity: unhex(req.identity ?? "") } });
      return { sender: this.senders.length, signature_key: hex(keys.publicKey) };
    },
    async external_propose_remove(req) {
      const es = (this.senders ?? [])[(req.sender ?? 0) - 1];
      if (es === undefined) throw new AdapterError("POUCH_E_NOT_FOUND", "unknown external sender");
      // from a GroupInfo, or, as a server would, from the group id and
      // epoch alone (an external sender's signature covers no more)
      const gi =
        req.group_info !== undefined
          ? singleSenderView(decodeAs(unhex(req.group_info), "mls_group_info").groupInfo, es.keys.publicKey)
          : {
              groupContext: {
                version: "mls10",
                cipherSuite: suiteNames.get(es.suite),
                groupId: unhex(req.group_id),
                epoch: BigInt(req.epoch),
                treeHash: new Uint8Array(),
                confirmedTranscriptHash: new Uint8Array(),
                extensions: [
                  {
                    extensionType: "external_senders",
                    extensionData: encodeExternalSender({ signaturePublicKey: es.keys.publicKey, credential: es.credential }),
                  },
                ],
              },
            };
      const msg = await proposeExternal(
        gi,
        { proposalType: "remove", remove: { removed: req.leaf_index } },
        es.keys.publicKey,
        es.keys.signKey,
        es.cs,
      );
      return { proposal: encode(msg) };
    },
    async members(req) {
      const t = this.member(req).state.ratchetTree;
      const out = [];
      for (let i = 0; i < t.length; i += 2)
        if (t[i]?.nodeType === "leaf") out.push({ leaf_index: i / 2, identity: hex(t[i].leaf.credential.identity) });
      return { members: out };
    },
    // Test-only introspection (docs/INTEROP.md, difference 1): would
    // ts-mls's own joinGroup tree validation reject this member's current
    // tree?  It requires every non-blank node on an unmerged leaf's whole
    // direct path to hold exactly the same unmerged_leaves list, where
    // RFC 9420 12.4.3.1 only asks the nodes below the parent to include it.
    async unmerged_quirk(req) {
      const t = this.member(req).state.ratchetTree;
      const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
      for (let i = 1; i < t.length; i += 2) {
        const n = t[i];
        if (n?.nodeType !== "parent") continue;
        for (const u of n.parent.unmergedLeaves)
          for (const p of directPath(2 * u, leafWidth(t.length))) {
            const d = t[p];
            if (d !== undefined && !same(d.parent.unmergedLeaves, n.parent.unmergedLeaves)) return { quirk: true };
          }
      }
      return { quirk: false };
    },
  };
}

// As a program: JSON lines on stdin and stdout.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const a = new TsMlsAdapter();
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === "") continue;
    let req;
    try {
      req = JSON.parse(line);
    } catch (e) {
      process.stdout.write(
        JSON.stringify({ id: null, ok: false, error: "POUCH_E_MALFORMED", message: "the request is not valid JSON" }) + "\n",
      );
      continue;
    }
    process.stdout.write(JSON.stringify(await a.handle(req)) + "\n");
  }
}
