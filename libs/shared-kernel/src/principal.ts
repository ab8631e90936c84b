/**
 * The user id of the platform's own work (webhook deliveries, export-ready emails, purges): the
 * submitter and actor its jobs and events show. No token may claim it (principalFromClaims), so a
 * user can never pass for the platform, nor see its jobs as their own.
 */
export const SYSTEM_USER_ID = 'system';

/**
 * Who is calling. Travels inside every command and query object (never through globals), so a
 * handler can be called the same way from HTTP, from another module or from a queue consumer.
 */
export class Principal {
  constructor(
    readonly userId: string,
    readonly tenant: string,
    readonly roles: readonly string[] = [],
    readonly scopes: readonly string[] = [],
    /** `app`: a service account (token claim `kind: "app"`), shown as the submitter kind. */
    readonly kind: PrincipalKind = 'user',
    /** The token's `email` claim, when it carries one (where "email me when it is ready" goes). */
    readonly email: string | null = null,
  ) {}

  /** Administers its own tenant (every job of the tenant, move-to-top...). */
  get isAdmin(): boolean {
    return this.roles.includes('admin');
  }

  /** Runs the platform itself, across tenants (the queue dashboard); unrelated to `admin`. */
  get isOperator(): boolean {
    return this.roles.includes('operator');
  }

  /** True when the principal holds every one of the given operational scope ids. */
  holdsAllScopes(scopeIds: readonly string[]): boolean {
    return scopeIds.every((id) => this.scopes.includes(id));
  }

  /** A system principal for work the platform does on its own (purge, reconcile). */
  static system(tenant: string): Principal {
    return new Principal(SYSTEM_USER_ID, tenant, ['admin', 'system'], []);
  }

  toJSON(): PrincipalData {
    return {
      userId: this.userId,
      tenant: this.tenant,
      roles: [...this.roles],
      scopes: [...this.scopes],
      kind: this.kind,
      ...(this.email ? { email: this.email } : {}),
    };
  }

  static fromJSON(data: PrincipalData): Principal {
    return new Principal(data.userId, data.tenant, data.roles ?? [], data.scopes ?? [], data.kind === 'app' ? 'app' : 'user', data.email ?? null);
  }
}

export type PrincipalKind = 'user' | 'app';

export interface PrincipalData {
  userId: string;
  tenant: string;
  roles: string[];
  scopes: string[];
  /** Absent in records written before submitter kinds existed: read as `user`. */
  kind?: PrincipalKind;
  email?: string;
}
