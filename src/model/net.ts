/**
 * Ethernet arithmetic. A net device's size is the Ethernet frame it puts on the wire
 * (header and FCS included, 64 B minimum). Each frame also occupies 20 B of preamble and
 * inter-frame gap, so line rate in packets/s is R / (8 * (frame + 20)): 14.88 Mpps at 64 B
 * and 0.813 Mpps at 1518 B on 10GbE (IEEE 802.3; reference/README.md).
 * Items larger than a 1518 B frame (segmentation offload) leave as several frames.
 */
export const MAX_FRAME_BYTES = 1518
export const MIN_FRAME_BYTES = 64
export const WIRE_OVERHEAD_BYTES = 20

export function framesPerItem(sizeBytes: number): number {
  return Math.max(1, Math.ceil(sizeBytes / MAX_FRAME_BYTES))
}

export function wireBitsPerItem(sizeBytes: number): number {
  const frames = framesPerItem(sizeBytes)
  return 8 * (Math.max(MIN_FRAME_BYTES, sizeBytes / frames) + WIRE_OVERHEAD_BYTES) * frames
}

/** Packets per second a link carries at a given frame size. */
export function lineRatePps(lineRateBps: number, frameBytes: number): number {
  return lineRateBps / (8 * (Math.max(MIN_FRAME_BYTES, frameBytes) + WIRE_OVERHEAD_BYTES))
}
