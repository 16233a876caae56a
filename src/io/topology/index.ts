/**
 * Host topology: read a machine (sysfs) or a file describing one (virsh
 * capabilities, hwloc XML, lscpu) into a `TopologyReading`, convert it into a
 * host model spec, and write that as YAML.
 *
 *   probeHost(root) / importHostFile(path)  -> TopologyReading
 *   readingToHost(reading, {name})          -> HostConversion (spec, comments, warnings)
 *   renderHostYaml(conversion)              -> host file text
 */
export {type ReadCpu, type ReadNic, type ReadNode, type ReadNvme, type ReadingFormat, type TopologyReading} from './reading.js'
export {probeHost} from './sysfs.js'
export {importHostFile, parseHostDescription} from './import.js'
export {
  DEFAULT_FREQUENCY_HZ,
  DEFAULT_MEMORY_PER_NODE_BYTES,
  DEFAULT_NIC_LINE_RATE_BPS,
  DEFAULT_NVME,
  type HostConversion,
  formatSize,
  hostName,
  readingToHost,
} from './to-host.js'
export {renderHostYaml} from './render.js'
export {type HostFileResult, writeHostFile, hostFileMessage} from './host-file.js'
