import { TFJS_BACKENDS } from './tfjs/choices.js';
import { TORCH_DEVICES, TORCH_PRECISIONS } from './torch/protocol.js';

/** Engine choices, kept apart from the engines so the CLI can list them without loading any. */
export const ENGINE_CHOICES = ['auto', 'torch', ...TFJS_BACKENDS.filter((b) => b !== 'auto')] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];
export { TORCH_DEVICES, TORCH_PRECISIONS };
