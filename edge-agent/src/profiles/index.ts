export { bundledProfilesDir, findProfileFile, listProfileNames, loadProfile, type DeviceProfile } from './profile-files.js';
export { profileSchema, type ProfileDocument } from './profile-schema.js';
export { commonPointFields, metricPattern, pointNamePattern } from './point-schema.js';
export { pointSpecOf } from './point-spec.js';
