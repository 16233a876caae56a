/**
 * A progress bar on stderr (cli-progress), only when stderr is a terminal: one bar per
 * stage of long work, redrawn as tasks complete.
 */
import cliProgress from 'cli-progress'

export type Progress = (done: number, total: number, stage: string) => void

export interface ProgressBar {
  update: Progress
  stop(): void
}

export function progressBar(enabled: boolean): ProgressBar | undefined {
  if (!enabled || !process.stderr.isTTY) return undefined
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: '{stage} [{bar}] {value}/{total}',
    clearOnComplete: true,
    hideCursor: true,
  }, cliProgress.Presets.shades_classic)
  let current: string | undefined
  return {
    update(done, total, stage) {
      if (stage !== current) {
        if (current !== undefined) bar.stop()
        current = stage
        bar.start(total, done, {stage})
      } else {
        bar.update(done, {stage})
      }
    },
    stop() {
      if (current !== undefined) bar.stop()
    },
  }
}
