// diff.mjs - the JavaScript half of the ML-KEM differential test: reads
// the JSON lines of tests/mlkem/difftest.c on stdin, recomputes every
// output with @noble/post-quantum (an independent FIPS 203
// implementation) from the same seed, message and corrupted ciphertext,
// and fails unless all are byte-identical and the C side finished.
import { createInterface } from 'node:readline';
import { ml_kem512, ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem';

const kems = { 512: ml_kem512, 768: ml_kem768, 1024: ml_kem1024 };
const hex = (b) => Buffer.from(b).toString('hex');
const bytes = (s) => Uint8Array.from(Buffer.from(s, 'hex'));
const counts = { 512: 0, 768: 0, 1024: 0 };
let failures = 0, done = -1, cases = 0;

function fail(n, what) {
  failures++;
  if (failures <= 20) console.error(`FAIL case ${n}: ${what}`);
}

for await (const line of createInterface({ input: process.stdin })) {
  const t = JSON.parse(line);
  if (t.done !== undefined) { done = t.done; break; }
  const kem = kems[t.set];
  const n = cases++;
  if (!kem) { fail(n, `unknown set ${t.set}`); continue; }
  counts[t.set]++;
  const { publicKey, secretKey } = kem.keygen(bytes(t.seed));
  if (hex(publicKey) !== t.ek) fail(n, `ML-KEM-${t.set} ek differs`);
  if (hex(secretKey) !== t.dk) fail(n, `ML-KEM-${t.set} dk differs`);
  const { cipherText, sharedSecret } = kem.encapsulate(publicKey, bytes(t.m));
  if (hex(cipherText) !== t.ct) fail(n, `ML-KEM-${t.set} ct differs`);
  if (hex(sharedSecret) !== t.ss) fail(n, `ML-KEM-${t.set} K differs`);
  // Decaps of the valid ct is checked on the C side (it must give t.ss,
  // which is compared here); noble decapsulates the corrupted one.
  if (hex(kem.decapsulate(bytes(t.bad), secretKey)) !== t.ssbad)
    fail(n, `ML-KEM-${t.set} implicit rejection K differs`);
  if (t.bad === t.ct) fail(n, 'ciphertext not corrupted');
}
if (done !== cases) fail(cases, `C side stopped early (${cases} cases, done=${done})`);
console.log(`differential @noble/post-quantum: ${cases}` +
  ` cases (ML-KEM-512 ${counts[512]}, -768 ${counts[768]}, -1024 ${counts[1024]}),` +
  ` ${failures} failures`);
process.exit(failures === 0 && cases > 0 ? 0 : 1);
