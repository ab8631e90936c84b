import { emptyPageText, jobsListHref, noJobsText } from '../../apps/console/src/jobs-list';

describe('console jobs list', () => {
  it('filters and pages at the path the list is shown at: from /console/ a Status change does not mount the page afresh', () => {
    expect(jobsListHref('/', '?status=failed')).toBe('/console/?status=failed');
    expect(jobsListHref('/', '')).toBe('/console/');
    expect(jobsListHref('/jobs', '?status=failed&offset=20')).toBe('/console/jobs?status=failed&offset=20');
  });

  it('says a page past the end is past the end, as its pager does, not that there are no jobs', () => {
    expect(noJobsText(5000, 185, false)).toBe('No jobs on this page: it is past the end of the list.');
    expect(noJobsText(40, 3, true)).toBe('No jobs on this page: it is past the end of the list.');
    expect(noJobsText(0, 0, false)).toBe('No jobs yet.');
    expect(noJobsText(0, 0, true)).toBe('No jobs match these filters.');
    expect(noJobsText(40, 0, true)).toBe('No jobs match these filters.');
  });

  it('every other paged list (exports, imports, schedules, webhooks) says the same past the end, and its own empty line otherwise', () => {
    expect(emptyPageText(100, 12, 'No exports yet.')).toBe('No items on this page: it is past the end of the list.');
    expect(emptyPageText(0, 0, 'No exports yet.')).toBe('No exports yet.');
  });
});
