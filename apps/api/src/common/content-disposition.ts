// Moved to the platform: the exports module needs it for presigned S3 links too.
export { attachmentDisposition } from '@porter/platform';
