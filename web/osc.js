// A small OSC 1.0 codec for the types lull speaks: i (int32), f (float32) and
// s (string), big-endian, every field padded to 4 bytes
// (opensoundcontrol.org, "OSC 1.0 specification"). One message per WebSocket
// frame, as osc.js does; no bundles (lull-web refuses them).
"use strict";

const LullOSC = (() => {
  const enc = new TextEncoder();
  const dec = new TextDecoder();

  const padded = (n) => (n + 4) & ~3; // bytes for a string of n bytes plus its NUL

  // Arguments: a number is sent as f, a string as s; {i: n} sends an int32,
  // {f: x} a float32, {s: "text"} a string.
  function normalise(arg) {
    if (typeof arg === "number") return ["f", arg];
    if (typeof arg === "string") return ["s", arg];
    if (arg && typeof arg === "object") {
      if ("i" in arg) return ["i", arg.i | 0];
      if ("f" in arg) return ["f", Number(arg.f)];
      if ("s" in arg) return ["s", String(arg.s)];
    }
    throw new TypeError("OSC: unsupported argument " + String(arg));
  }

  function encode(address, args = []) {
    const typed = args.map(normalise);
    const addr = enc.encode(address);
    const tags = enc.encode("," + typed.map((t) => t[0]).join(""));
    const strings = typed.map((t) => (t[0] === "s" ? enc.encode(t[1]) : null));
    let size = padded(addr.length) + padded(tags.length);
    typed.forEach((t, k) => (size += t[0] === "s" ? padded(strings[k].length) : 4));

    const buf = new ArrayBuffer(size);
    const bytes = new Uint8Array(buf);
    const view = new DataView(buf);
    let pos = 0;
    const putString = (b) => {
      bytes.set(b, pos);
      pos += padded(b.length); // the ArrayBuffer starts zeroed: NUL and padding
    };
    putString(addr);
    putString(tags);
    typed.forEach((t, k) => {
      if (t[0] === "i") view.setInt32(pos, t[1]);
      else if (t[0] === "f") view.setFloat32(pos, t[1]);
      else return putString(strings[k]);
      pos += 4;
    });
    return buf;
  }

  function readString(bytes, pos) {
    let end = pos;
    while (end < bytes.length && bytes[end] !== 0) end++;
    if (end >= bytes.length) throw new RangeError("OSC: unterminated string");
    return [dec.decode(bytes.subarray(pos, end)), padded(end - pos) + pos];
  }

  // Returns {address, args} or throws on a malformed packet.
  function decode(buffer) {
    const bytes = new Uint8Array(buffer);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let [address, pos] = readString(bytes, 0);
    let tags;
    [tags, pos] = readString(bytes, pos);
    if (tags[0] !== ",") throw new RangeError("OSC: no type tags");
    const args = [];
    for (const t of tags.slice(1)) {
      if (t === "i" || t === "f") {
        if (pos + 4 > bytes.length) throw new RangeError("OSC: argument missing");
        args.push(t === "i" ? view.getInt32(pos) : view.getFloat32(pos));
        pos += 4;
      } else if (t === "s" || t === "S") {
        let s;
        [s, pos] = readString(bytes, pos);
        args.push(s);
      } else if (t === "T" || t === "F") {
        args.push(t === "T");
      } else if (t === "N") {
        args.push(null);
      } else {
        throw new RangeError("OSC: unsupported type " + t);
      }
    }
    return { address, args };
  }

  // lull's replies are flat key/value lists: ["breath", 6.1, "heart", 64, ...].
  function pairs(args) {
    const out = {};
    for (let k = 0; k + 1 < args.length; k += 2) out[args[k]] = args[k + 1];
    return out;
  }

  return { encode, decode, pairs };
})();
