export * from './principal';
export * from './errors';
export * from './paging';
export * from './clock';
export * from './ids';
export * from './file-download';
export * from './identity-text';
