/**
 * Physically plausible ranges for a measurement, checked at the edge. A value outside them is a
 * fault (a broken clock, a unit mix-up, a forged record), and one such row must not be able to
 * break fitting or prediction for a whole platform. Documented in docs/protocol.md.
 */
export const BOUNDS = {
  /** one forward pass of a batch: 1 ns .. 10^7 ms (≈ 2.8 h) */
  runtimeMs: { min: 1e-6, max: 1e7 },
  /** a device's power: 0 .. 10 kW (a whole 8-GPU node stays below it) */
  powerW: { min: 0, max: 10_000 },
  /** timed runs, power samples */
  count: { max: 10_000_000 },
  /** power window and sampling interval */
  windowMs: { max: 1e7 },
  /** batch size N */
  batch: { max: 65_536 },
  /** height and width of an input */
  spatial: { max: 65_536 },
  /** channels of an input */
  channels: { max: 1_048_576 },
  /** elements of one example's input, H × W × C (2^31) */
  elements: { max: 2 ** 31 },
  temperatureC: { min: -50, max: 200 },
  clockMHz: { max: 100_000 },
  /** energy must equal meanW × the reported runtime (reportedRuntimeMs) within this relative tolerance */
  energyRelativeTolerance: 1e-3,
} as const;
