// `imagematching-router run`: starts the router and stops it gracefully on SIGTERM/SIGINT (exit 0).
// A second signal during shutdown exits at once (exit 130): offsets of unfinished events stay uncommitted.
import { loadConfigFile } from '../config/load.ts';
import { createLogger } from '../log.ts';
import { Router } from '../engine/router.ts';

export async function runCommand(opts: { config: string }): Promise<number> {
  const { config } = loadConfigFile(opts.config);
  const log = createLogger(config.log.level as Parameters<typeof createLogger>[0]);
  const router = await Router.start(config, { log });
  return await new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'shutting down');
      router.stop().then(
        () => resolve(0),
        (err) => {
          log.error({ err: (err as Error).message }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
