export declare function porterArgs(kind: 'api' | 'worker' | 'migrate'): string[];
export declare function porterEnv(kind: 'api' | 'worker' | 'migrate', env: NodeJS.ProcessEnv | Record<string, string | undefined>): Record<string, string | undefined>;
export declare const ROOT: string;
