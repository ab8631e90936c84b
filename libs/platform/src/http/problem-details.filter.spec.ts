import { BadRequestException, Logger, NotFoundException } from '@nestjs/common';
import { ConflictError, ForbiddenError, GoneError, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '@porter/shared-kernel';
import { ProblemDetailsFilter, toProblem } from './problem-details.filter';

/** A Fastify request and reply, as Nest hands them to the filter. */
function hostFor(res: ReturnType<typeof fakeResponse>) {
  return {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => ({ raw: { originalUrl: '/api/v1/x?y=1', url: '/x?y=1' }, id: 'req-1' }), getResponse: () => res }),
  } as never;
}

function fakeResponse() {
  const res = { raw: { headersSent: false, writableEnded: false }, code: jest.fn(), type: jest.fn(), send: jest.fn(), header: jest.fn(), hasHeader: jest.fn(() => false) };
  res.code.mockReturnValue(res);
  res.type.mockReturnValue(res);
  res.header.mockReturnValue(res);
  return res;
}

describe('problem details', () => {
  it.each([
    [new NotFoundError('Export', 'abc'), 404, 'Export abc was not found'],
    [new ConflictError('Job is running'), 409, 'Job is running'],
    [new ValidationError('Invalid filters', [{ path: 'filters.hiredAfter', message: 'must be an ISO date' }]), 422, 'Invalid filters'],
    [new ForbiddenError('Admins only'), 403, 'Admins only'],
    [new GoneError('Expired'), 410, 'Expired'],
    [new PayloadTooLargeError('Too big'), 413, 'Too big'],
    [new UnsupportedMediaTypeError('Not a CSV'), 415, 'Not a CSV'],
    [new NotFoundException('nope'), 404, 'nope'],
  ])('maps %s to %i', (error, status, detail) => {
    expect(toProblem(error)).toMatchObject({ status, detail });
  });

  it('keeps field errors', () => {
    const problem = toProblem(new ValidationError('Invalid', [{ path: 'format', message: 'must be csv, xlsx or jsonl' }]));
    expect(problem?.errors).toEqual([{ path: 'format', message: 'must be csv, xlsx or jsonl' }]);
    const fromPipe = toProblem(new BadRequestException({ message: 'The request is invalid', errors: [{ path: 'limit', message: 'must be an integer' }] }));
    expect(fromPipe).toMatchObject({ status: 400, errors: [{ path: 'limit', message: 'must be an integer' }] });
  });

  it('maps body-parser errors to their 4xx', () => {
    expect(toProblem(Object.assign(new Error('x'), { status: 400, type: 'entity.parse.failed' }))).toMatchObject({ status: 400, detail: 'The request body is not valid JSON' });
    expect(toProblem(Object.assign(new Error('x'), { status: 413, type: 'entity.too.large' }))).toMatchObject({ status: 413 });
  });

  it('returns a bare 500 for unknown errors, revealing nothing, and logs them with the request id', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const res = fakeResponse();
    new ProblemDetailsFilter().catch(new Error('password=hunter2 at db.ts:42'), hostFor(res));
    expect(res.code).toHaveBeenCalledWith(500);
    expect(res.type).toHaveBeenCalledWith('application/problem+json; charset=utf-8');
    const body = JSON.parse(res.send.mock.calls[0][0]);
    expect(body).toMatchObject({ status: 500, title: 'Internal Server Error', requestId: 'req-1', instance: '/api/v1/x' });
    expect(JSON.stringify(body)).not.toContain('hunter2');
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ requestId: 'req-1' }), 'Unhandled error');
    logged.mockRestore();
  });
});

describe('problem details for database data exceptions', () => {
  it('answers 400 for a Postgres data exception (bad input that reached SQL)', () => {
    const pgError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021', severity: 'ERROR' });
    expect(toProblem(pgError)).toMatchObject({ status: 400, detail: 'A value in the request is not valid for its field' });
  });

  it('answers 409 (retry: nothing was changed) for a request that lost a race in Postgres', () => {
    for (const code of ['40P01', '40001']) {
      expect(toProblem(Object.assign(new Error('deadlock detected'), { code, severity: 'ERROR' }))).toMatchObject({ status: 409, detail: expect.stringMatching(/concurrent change.*Retry it/) });
    }
    // Not a Postgres error (no severity): not mistaken for one.
    expect(toProblem(Object.assign(new Error('x'), { code: '40P01' }))).toBeNull();
  });

  it('leaves other database errors as 500s', () => {
    expect(toProblem(Object.assign(new Error('relation does not exist'), { code: '42P01', severity: 'ERROR' }))).toBeNull();
    expect(toProblem(Object.assign(new Error('duplicate key'), { code: '23505', severity: 'ERROR' }))).toBeNull();
  });
});
