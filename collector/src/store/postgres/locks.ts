/**
 * First keys of the two-key advisory locks (the second is hashtext of what is locked). Distinct
 * constants, so the families never collide with each other; a hashtext collision within a family
 * only makes two writers wait for each other, never lets two in.
 */
/** transaction lock: writers of one platform's model versions and pointers */
export const VERSION_LOCK = 0x6e70_0001;
/** session lock: one fit of a (platform, kind) at a time */
export const FIT_LOCK = 0x6e70_0002;
