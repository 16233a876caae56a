/**
 * A converted host -> the YAML text of a host file: the header comments say
 * where it came from and every default used; CPUs are written one per line.
 */
import {Document, YAMLMap, isMap, isNode} from 'yaml'

import type {HostConversion} from './to-host.js'

/** `schemaRef`: path of schemas/host.schema.json relative to the file, for editors (left out when absent). */
export function renderHostYaml(conv: HostConversion, schemaRef?: string): string {
  const doc = new Document(conv.spec)
  const head = schemaRef === undefined ? [] : [` yaml-language-server: $schema=${schemaRef}`, '']
  doc.commentBefore = [...head, ...conv.header.map((l) => ` ${l}`)].join('\n')
  const cpus = doc.get('cpus', true)
  if (isNode(cpus) && 'items' in cpus) {
    for (const item of cpus.items as unknown[]) if (isMap(item)) (item as YAMLMap).flow = true
  }
  for (const {path, comment} of conv.fieldComments) {
    const node = doc.getIn(path, true)
    if (isNode(node)) node.comment = comment
  }
  const distances = doc.get('distances', true)
  if (isNode(distances) && 'items' in distances) for (const row of distances.items as unknown[]) if (isNode(row)) (row as {flow?: boolean}).flow = true
  const memory = doc.get('memory_per_node', true)
  if (isNode(memory)) (memory as {flow?: boolean}).flow = true
  return doc.toString({lineWidth: 0})
}
