import dnsPacket, { type Answer } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { answerMessage, RCODE, type HandlerAnswer, type QueryHandler } from './server.ts';

const ok = (answers: Answer[]): HandlerAnswer => ({ rcode: 0, answers, authorities: [], additionals: [], authoritative: true });
const oneA: QueryHandler = (q) => Promise.resolve(ok([{ type: 'A', name: q.name, ttl: 5, data: '10.96.0.1' }]));

function query(extra: Partial<dnsPacket.Packet> = {}): Buffer {
  return dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'x.cluster.local', type: 'A', class: 'IN' }], ...extra });
}

function rcodeOf(b: Buffer | undefined): number {
  return b === undefined ? -1 : b.readUInt16BE(2) & 0xf;
}

describe('answerMessage', () => {
  it('answers with the id, question, RD echoed and AA set', async () => {
    const reply = await answerMessage(query(), { tcp: false }, oneA);
    const d = dnsPacket.decode(reply!);
    expect(d).toMatchObject({ id: 4242, type: 'response', flag_aa: true, flag_rd: true, flag_tc: false, questions: [{ name: 'x.cluster.local', type: 'A' }] });
    expect(d.answers).toEqual([expect.objectContaining({ type: 'A', data: '10.96.0.1' })]);
  });

  it('drops what is too short to carry a header, and responses', async () => {
    expect(await answerMessage(Buffer.from([1, 2, 3]), { tcp: false }, oneA)).toBeUndefined();
    const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: 'x', type: 'A' }] });
    expect(await answerMessage(response, { tcp: false }, oneA)).toBeUndefined();
  });

  it('answers garbage after a valid header with FORMERR', async () => {
    const garbage = Buffer.concat([query().subarray(0, 12), Buffer.from([0xff, 0xff, 0xff])]);
    const reply = await answerMessage(garbage, { tcp: false }, oneA);
    expect(reply?.readUInt16BE(0)).toBe(4242);
    expect(rcodeOf(reply)).toBe(RCODE.FORMERR);
  });

  it('random bytes never throw', async () => {
    for (let i = 0; i < 500; i++) {
      const buf = Buffer.alloc(12 + (i % 60));
      for (let j = 0; j < buf.length; j++) buf[j] = (i * 7919 + j * 104729) % 256;
      buf[2] = (buf[2] ?? 0) & 0x7f; // a query, so it is not dropped
      const reply = await answerMessage(buf, { tcp: false }, oneA);
      expect(reply === undefined || reply.length >= 12).toBe(true);
    }
  });

  it('FORMERR for no question or several', async () => {
    expect(rcodeOf(await answerMessage(query({ questions: [] }), { tcp: false }, oneA))).toBe(RCODE.FORMERR);
    const two = query({ questions: [{ name: 'a', type: 'A' }, { name: 'b', type: 'A' }] });
    expect(rcodeOf(await answerMessage(two, { tcp: false }, oneA))).toBe(RCODE.FORMERR);
  });

  it('NOTIMP for other opcodes', async () => {
    const q = query();
    q.writeUInt16BE(q.readUInt16BE(2) | (2 << 11), 2); // STATUS
    expect(rcodeOf(await answerMessage(q, { tcp: false }, oneA))).toBe(RCODE.NOTIMP);
  });

  it('SERVFAIL when the handler fails', async () => {
    expect(rcodeOf(await answerMessage(query(), { tcp: false }, () => Promise.reject(new Error('boom'))))).toBe(RCODE.SERVFAIL);
  });

  it('truncates over UDP beyond 512 bytes, or the EDNS size; never over TCP', async () => {
    const many: QueryHandler = (q) => Promise.resolve(ok(Array.from({ length: 30 }, (_, i) => ({ type: 'A', name: q.name, ttl: 5, data: `10.0.0.${String(i)}` }))));
    const udp = dnsPacket.decode((await answerMessage(query(), { tcp: false }, many))!);
    expect(udp.flag_tc).toBe(true);
    expect(udp.answers).toEqual([]);
    const edns = query({ additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] });
    const big = dnsPacket.decode((await answerMessage(edns, { tcp: false }, many))!);
    expect(big.flag_tc).toBe(false);
    expect(big.answers).toHaveLength(30);
    expect(big.additionals).toEqual([expect.objectContaining({ type: 'OPT' })]);
    const tcp = dnsPacket.decode((await answerMessage(query(), { tcp: true }, many))!);
    expect(tcp.answers).toHaveLength(30);
  });
});
