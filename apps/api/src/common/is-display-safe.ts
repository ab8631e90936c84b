import { Matches, ValidationOptions } from 'class-validator';

// Bidirectional-text controls: they make one text display as another ("report\u202Efdp.exe").
const BIDI = '\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
// Control characters (C0, DEL, C1); a text of several lines keeps tab, line feed and carriage return.
const SINGLE_LINE = new RegExp(`^[^\\u0000-\\u001f\\u007f-\\u009f${BIDI}]*$`);
const MULTI_LINE = new RegExp(`^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f${BIDI}]*$`);

/**
 * Text people give things and other people read (a webhook's description, an import's source
 * name, a schedule's name) holds no control characters and no bidirectional-text controls, as a
 * job's name does not (identityTextProblem): 400 naming the field. `multiline`: tab and line
 * breaks are fine (notes, descriptions).
 */
export function IsDisplaySafe(options: { multiline?: boolean } = {}, validation?: ValidationOptions): PropertyDecorator {
  return Matches(options.multiline ? MULTI_LINE : SINGLE_LINE, {
    message: ({ property }) => `${property} must not contain control characters${options.multiline ? ' (other than tab and line breaks)' : ''} or bidirectional-text controls`,
    ...validation,
  });
}
