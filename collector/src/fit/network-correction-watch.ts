import { type CorrectionSources, refitNetworkCorrection } from './network-correction-job.js';
import type { FitScheduler } from './scheduler.js';

/**
 * Refits a platform's network correction whenever its fits settle (layer models or, through a fit
 * request, new network records). A failure is logged and leaves the current correction in place.
 */
export function watchNetworkCorrection(fits: FitScheduler, sources: CorrectionSources): void {
  fits.onPlatformSettled(async (platformId) => {
    try {
      await refitNetworkCorrection(sources, platformId);
    } catch (err) {
      process.stderr.write(
        `${JSON.stringify({ level: 'error', msg: 'network correction fit failed', platform: platformId, err: String(err) })}\n`,
      );
    }
  });
}
