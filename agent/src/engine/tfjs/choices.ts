/** Backend choices, kept apart from the tfjs import so the CLI can list them without loading tfjs. */
export const TFJS_BACKENDS = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type TfjsBackendChoice = (typeof TFJS_BACKENDS)[number];
