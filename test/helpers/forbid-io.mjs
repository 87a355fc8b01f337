// Preloaded (node --import) into a child process that must have no side effects: every attempt to open a socket,
// resolve a name or start a Kafka client is written to stderr as "FORBIDDEN I/O: ..." and throws. A test then
// asserts stderr has no such line. librdkafka opens its sockets natively, so its clients' entry points are wrapped.
import dgram from 'node:dgram';
import dns from 'node:dns';
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import process from 'node:process';
import tls from 'node:tls';

/** tsx (which runs the TypeScript sources) talks to its own parent over a local pipe: that is not I/O of the command. */
const isTsxPipe = (args) => {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const path = typeof first === 'string' ? first : first?.path;
  return typeof path === 'string' && /[\\/]tsx-\d+[\\/]/.test(path);
};

function forbid(target, name, what) {
  const original = target?.[name];
  if (typeof original !== 'function') return;
  target[name] = function forbidden(...args) {
    if (isTsxPipe(args)) return original.apply(this, args);
    writeSync(2, `FORBIDDEN I/O: ${what}\n`);
    if (process.env.FORBID_IO_TRACE) writeSync(2, `${new Error().stack}\n`);
    throw new Error(`forbidden I/O in this process: ${what}`);
  };
}

forbid(net.Socket.prototype, 'connect', 'socket connect');
forbid(tls, 'connect', 'TLS connect');
forbid(dgram, 'createSocket', 'UDP socket');
forbid(dns, 'lookup', 'DNS lookup');
forbid(dns.promises, 'lookup', 'DNS lookup');

const rdkafka = createRequire(`${process.cwd()}/`)('node-rdkafka');
for (const client of ['KafkaConsumer', 'Producer', 'HighLevelProducer']) forbid(rdkafka[client]?.prototype, 'connect', `Kafka ${client} connect`);
forbid(rdkafka.AdminClient, 'create', 'Kafka AdminClient');
