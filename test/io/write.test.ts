/** Atomic writes, on the real file system (no mocks): failures leave the previous files intact. */
import {mkdir, readFile, readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {afterEach, beforeEach, describe, expect, test} from 'vitest'

import {WriteError, writeFileAtomic, writeFilesAtomic} from '../../src/io/write.js'
import {cleanup, tempDir} from './helpers.js'

let dir: string
beforeEach(async () => {
  dir = await tempDir()
})
afterEach(async () => {
  await cleanup(dir)
})

/** Every entry of `d`, hidden ones (temporary files) included, sorted. */
const entries = async (d: string) => (await readdir(d)).sort()

describe('writeFileAtomic', () => {
  test('creates a file and its folder, and replaces it', async () => {
    const file = path.join(dir, 'out', 'plan.json')
    await writeFileAtomic(file, '{"v": 1}\n')
    expect(await readFile(file, 'utf8')).toBe('{"v": 1}\n')
    await writeFileAtomic(file, new TextEncoder().encode('{"v": 2}\n'))
    expect(await readFile(file, 'utf8')).toBe('{"v": 2}\n')
    expect(await entries(path.join(dir, 'out'))).toEqual(['plan.json'])
  })

  test('a failed rename leaves the target as it was and no temporary file', async () => {
    const target = path.join(dir, 'report.csv')
    await mkdir(target)
    await writeFile(path.join(target, 'keep'), 'old')
    await expect(writeFileAtomic(target, 'new')).rejects.toThrow(new WriteError(`cannot write ${target}: it is a folder; give a file name`))
    expect(await readFile(path.join(target, 'keep'), 'utf8')).toBe('old')
    expect(await entries(dir)).toEqual(['report.csv'])
  })

  test('a folder that cannot be created fails before touching anything', async () => {
    await writeFile(path.join(dir, 'blocker'), 'a file, not a folder')
    const target = path.join(dir, 'blocker', 'x.csv')
    await expect(writeFileAtomic(target, 'new')).rejects.toThrow(
      new WriteError(`cannot write ${target}: a file is in the way where a folder should be; the previous files are left as they were`))
    expect(await readFile(path.join(dir, 'blocker'), 'utf8')).toBe('a file, not a folder')
  })
})

describe('writeFilesAtomic', () => {
  test('writes text given in chunks, larger than one buffer, in order', async () => {
    const line = `${'x'.repeat(999)}\n`
    function* chunks() {
      for (let i = 0; i < 3000; i++) yield `${i} ${line}`
    }

    await writeFilesAtomic(dir, {'big.csv': chunks()})
    const text = await readFile(path.join(dir, 'big.csv'), 'utf8')
    expect(text).toBe([...chunks()].join(''))
    expect(text.length).toBeGreaterThan(3_000_000)
  })

  test('a generator that throws midway leaves the previous file and no temporary file', async () => {
    await writeFile(path.join(dir, 'plan.json'), 'old')
    function* broken() {
      yield 'new'
      throw new Error('interrupted')
    }

    await expect(writeFilesAtomic(dir, {'plan.json': broken()})).rejects.toThrow('interrupted')
    expect(await readFile(path.join(dir, 'plan.json'), 'utf8')).toBe('old')
    expect(await entries(dir)).toEqual(['plan.json'])
  })

  test('writes every file, sub-folders included', async () => {
    await writeFilesAtomic(dir, {'hosts.csv': 'a\n', 'vms.csv': 'b\n', 'html/index.html': '<p>'})
    expect(await entries(dir)).toEqual(['hosts.csv', 'html', 'vms.csv'])
    expect(await readFile(path.join(dir, 'html', 'index.html'), 'utf8')).toBe('<p>')
  })

  test('a rename failing midway puts back the files already replaced', async () => {
    await writeFile(path.join(dir, 'a.csv'), 'old a')
    await writeFile(path.join(dir, 'c.csv'), 'old c')
    // b.csv is a folder: writing its temporary file works, renaming it over the folder fails.
    await mkdir(path.join(dir, 'b.csv'))
    await writeFile(path.join(dir, 'b.csv', 'inside'), 'x')
    await expect(writeFilesAtomic(dir, {'a.csv': 'new a', 'new.csv': 'new', 'b.csv': 'new b', 'c.csv': 'new c'})).rejects.toThrow()
    expect(await readFile(path.join(dir, 'a.csv'), 'utf8')).toBe('old a')
    expect(await readFile(path.join(dir, 'c.csv'), 'utf8')).toBe('old c')
    expect(await readFile(path.join(dir, 'b.csv', 'inside'), 'utf8')).toBe('x')
    // The file that did not exist before is gone again; no temporary or backup file remains.
    expect(await entries(dir)).toEqual(['a.csv', 'b.csv', 'c.csv'])
  })

  test('a failure while writing the temporary files renames nothing', async () => {
    await writeFile(path.join(dir, 'a.csv'), 'old a')
    await writeFile(path.join(dir, 'sub'), 'a file where a folder is needed')
    await expect(writeFilesAtomic(dir, {'a.csv': 'new a', 'sub/b.csv': 'new b'})).rejects.toThrow()
    expect(await readFile(path.join(dir, 'a.csv'), 'utf8')).toBe('old a')
    expect(await entries(dir)).toEqual(['a.csv', 'sub'])
  })

  test('a failure takes away the folders the write made, and leaves those that were there', async () => {
    await mkdir(path.join(dir, 'kept'))
    await writeFile(path.join(dir, 'tuned'), 'a file where a folder is needed')
    const files = {'libvirt/deep/a.xml': 'a', 'kept/b.conf': 'b', 'new/c.txt': 'c', 'tuned/d.conf': 'd'}
    await expect(writeFilesAtomic(dir, files)).rejects.toThrow(WriteError)
    expect(await entries(dir)).toEqual(['kept', 'tuned'])
    expect(await entries(path.join(dir, 'kept'))).toEqual([])
    // An output folder that did not exist is not left behind either.
    await expect(writeFilesAtomic(path.join(dir, 'out'), {'x/a.txt': 'a', 'x/a.txt/b': 'b'})).rejects.toThrow(WriteError)
    expect(await entries(dir)).toEqual(['kept', 'tuned'])
  })

  test('replaces existing files when every rename succeeds', async () => {
    await writeFile(path.join(dir, 'a.csv'), 'old a')
    await writeFilesAtomic(dir, {'a.csv': 'new a', 'b.csv': 'new b'})
    expect(await readFile(path.join(dir, 'a.csv'), 'utf8')).toBe('new a')
    expect(await entries(dir)).toEqual(['a.csv', 'b.csv'])
  })
})

describe('write errors name the file and say what is in the way', () => {
  test('a folder where one of several files goes: WriteError naming that file, the others untouched', async () => {
    await writeFilesAtomic(dir, {'a.csv': 'old a', 'b.csv': 'old b'})
    await mkdir(path.join(dir, 'c.csv'))
    const error = await writeFilesAtomic(dir, {'a.csv': 'new a', 'b.csv': 'new b', 'c.csv': 'new c'}).catch(e => e)
    expect(error).toBeInstanceOf(WriteError)
    expect(error.message).toBe(`cannot write ${path.join(dir, 'c.csv')}: a folder is in the way; the previous files are left as they were`)
    expect(await readFile(path.join(dir, 'a.csv'), 'utf8')).toBe('old a')
    expect(await readFile(path.join(dir, 'b.csv'), 'utf8')).toBe('old b')
  })
})

