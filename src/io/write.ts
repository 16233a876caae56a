/**
 * Atomic writes: every file is written to a temporary file in its own folder,
 * flushed, then renamed over the target, so a reader (or an interrupted run)
 * sees either the old file or the new one, never half of one.
 *
 * `writeFilesAtomic` writes a set of files all-or-nothing: every temporary file
 * first, then the renames; if a rename fails, the files already replaced are
 * put back from hard-linked backups, so the folder is left as it was.
 */
import {randomBytes} from 'node:crypto'
import {copyFile, link, mkdir, open, readdir, rename, rmdir, stat, unlink} from 'node:fs/promises'
import path from 'node:path'

/**
 * A write the user can fix: a folder where a file goes (or the reverse), no permission, a
 * full disk. The previous files are as they were; commands print the message and exit 2.
 */
export class WriteError extends Error {
  override readonly name = 'WriteError'
}

const REASONS: Record<string, string> = {
  EISDIR: 'a folder is in the way',
  ENOTDIR: 'a file is in the way where a folder should be',
  EEXIST: 'a file is in the way where a folder should be',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
}

/** Run a write; an error of the file system becomes a WriteError naming the target in words. */
async function guarded<T>(target: () => string, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (typeof code !== 'string') throw error
    throw new WriteError(`cannot write ${target()}: ${REASONS[code] ?? `${code} from the file system`}; the previous files are left as they were`)
  }
}

/** A folder given where a file goes is refused before anything is written. */
async function notAFolder(file: string): Promise<void> {
  const info = await stat(file).catch(() => undefined)
  if (info?.isDirectory()) throw new WriteError(`cannot write ${file}: it is a folder; give a file name`)
}

/** A file's content: text, bytes, or text in chunks (written as they come, for files too large to hold as one string). */
export type FileData = string | Uint8Array | Iterable<string>

const CHUNK_BYTES = 1 << 20

function tempName(target: string, tag: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.${tag}`)
}

async function writeTemp(target: string, data: FileData): Promise<string> {
  const temp = tempName(target, 'tmp')
  const handle = await open(temp, 'wx', 0o644)
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) {
      await handle.writeFile(data)
    } else {
      let pending: string[] = []
      let size = 0
      for (const chunk of data) {
        pending.push(chunk)
        size += chunk.length
        if (size >= CHUNK_BYTES) {
          await handle.write(pending.join(''))
          pending = []
          size = 0
        }
      }

      if (pending.length > 0) await handle.write(pending.join(''))
    }

    await handle.sync()
  } catch (err) {
    await handle.close().catch(() => undefined)
    await unlink(temp).catch(() => undefined)
    throw err
  }
  await handle.close()
  return temp
}

/** Flush a folder's entries (the renames) to disk where the platform allows it. */
async function syncDir(dir: string): Promise<void> {
  try {
    const h = await open(dir, 'r')
    try {
      await h.sync()
    } finally {
      await h.close()
    }
  } catch {
    // Not supported everywhere (e.g. Windows); the rename itself is still atomic.
  }
}

/** Write one file atomically (temporary file in the same folder, then rename). Creates the folder. */
export async function writeFileAtomic(file: string, data: FileData): Promise<void> {
  await notAFolder(file)
  await guarded(() => file, async () => {
    await mkdir(path.dirname(file), {recursive: true})
    const temp = await writeTemp(file, data)
    try {
      await rename(temp, file)
    } catch (err) {
      await unlink(temp).catch(() => undefined)
      throw err
    }
  })
  await syncDir(path.dirname(file))
}

/** Keep a copy of `file` next to it (hard link, else copy); undefined when there is no old file to keep. */
async function backup(file: string): Promise<string | undefined> {
  const saved = tempName(file, 'bak')
  try {
    await link(file, saved)
    return saved
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
  }
  try {
    // No hard links here (or `file` is a folder, which the rename will refuse anyway).
    await copyFile(file, saved)
    return saved
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EISDIR' || code === 'ENOENT') return undefined
    throw err
  }
}

/**
 * Write several files all-or-nothing. `files` maps paths (relative to `dir`,
 * sub-folders allowed) to contents. On any failure the previous files are left
 * as they were and no temporary file remains.
 */
export async function writeFilesAtomic(dir: string, files: Record<string, FileData>): Promise<void> {
  const at = {target: dir}
  await guarded(() => at.target, () => writeAll(dir, files, at))
}

/** `at.target` follows the file being written, for the message when one fails. */
async function writeAll(dir: string, files: Record<string, FileData>, at: {target: string}): Promise<void> {
  const targets = Object.entries(files).map(([name, data]) => ({target: path.join(dir, name), data}))
  const temps: string[] = []
  // The folders this call made (the top of each new branch), taken away again if it fails.
  const made: string[] = []
  try {
    for (const {target, data} of targets) {
      at.target = target
      const top = await mkdir(path.dirname(target), {recursive: true})
      if (top !== undefined) made.push(top)
      temps.push(await writeTemp(target, data))
    }
  } catch (err) {
    await Promise.all(temps.map((t) => unlink(t).catch(() => undefined)))
    await removeEmptyFolders(made)
    throw err
  }

  const done: Array<{target: string; saved?: string}> = []
  const backups: string[] = []
  try {
    for (let i = 0; i < targets.length; i++) {
      const {target} = targets[i]
      at.target = target
      const saved = await backup(target)
      if (saved !== undefined) backups.push(saved)
      await rename(temps[i], target)
      done.push({target, saved})
    }
  } catch (err) {
    // Put back what was replaced, newest first.
    for (const {target, saved} of done.reverse()) {
      if (saved === undefined) await unlink(target).catch(() => undefined)
      else await rename(saved, target).catch(() => undefined)
    }
    await Promise.all([...temps, ...backups].map((t) => unlink(t).catch(() => undefined)))
    await removeEmptyFolders(made)
    throw err
  }
  await Promise.all(backups.map((b) => unlink(b).catch(() => undefined)))
  for (const d of new Set(targets.map((t) => path.dirname(t.target)))) await syncDir(d)
}

/** Remove these folders, newest first, with the empty folders inside them; anything with a file in it stays. */
async function removeEmptyFolders(folders: readonly string[]): Promise<void> {
  const remove = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, {withFileTypes: true}).catch(() => [])
    for (const e of entries) if (e.isDirectory()) await remove(path.join(folder, e.name))
    await rmdir(folder).catch(() => undefined)
  }

  for (const folder of [...folders].reverse()) await remove(folder)
}
