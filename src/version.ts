// The tool's name and version as reports show them (kept equal to package.json by a test).
export const TOOL_NAME = 'osa-sriov';
export const TOOL_VERSION = '0.1.0';
