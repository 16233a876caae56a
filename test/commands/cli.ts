import {execFile} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Run the real CLI (the built `bin/run.js`) as a user would, without a terminal. */
export function sidecore(args: string[], cwd = root): Promise<Run> {
  return new Promise(resolve => {
    execFile(process.execPath, [path.join(root, 'bin', 'run.js'), ...args], {cwd, env: {...process.env, NO_COLOR: '1'}, maxBuffer: 64 * 1024 * 1024},
      (error, stdout, stderr) => {
        resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr})
      })
  })
}
