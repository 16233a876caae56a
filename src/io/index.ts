/**
 * src/io: the only place that touches the file system. Input formats and their
 * schemas, loading with precise errors, normalisation to the model's types,
 * and atomic writes.
 */
export {InputError, formatPath, type InputErrorCode, type PathSegment} from './errors.js'
export {formatCpuset, parseCpuset} from './cpuset.js'
export {type Dimension, type Rate, parseCpuQuota, parseQuantity, parseRate} from './units.js'
export {
  ARCHITECTURES,
  BLOCK_ARCHITECTURES,
  CALIBRATION_FIELDS,
  FILE_KINDS,
  type FileKind,
  NET_ARCHITECTURES,
  SCHEMAS,
  type SpecByKind,
  schemaDocuments,
  schemaFiles,
} from './schemas.js'
export {validateSpec} from './validate.js'
export {
  type HostModel,
  type LoadedCluster,
  type LoadedClusterEntry,
  checkWorkloadOnHost,
  instantiateVms,
  lineRatePps64,
  normalizeCalibration,
  normalizeCluster,
  normalizeHost,
  normalizeLayout,
  normalizeNotification,
  normalizePolicy,
  normalizeWorkload,
} from './normalize.js'
export {
  type LoadScenarioOptions,
  type Scenario,
  type SourceDocument,
  calibrationDir,
  listCalibrations,
  loadCalibration,
  loadCluster,
  loadHost,
  loadLayout,
  loadScenario,
  loadWorkload,
  packageRoot,
  parseDocumentText,
  readDocument,
  readSpec,
} from './load.js'
export {type FileData, writeFileAtomic, writeFilesAtomic} from './write.js'
