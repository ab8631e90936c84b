/**
 * The file as a whole cannot be imported (encoding, structure, header, limits). Raised before
 * any row of the file is written; the batch fails with this message.
 */
export class FileRejectedError extends Error {
  constructor(message: string, readonly byteOffset: number | null = null) {
    super(message);
    this.name = 'FileRejectedError';
  }
}
