export declare function porterArgs(kind: 'api' | 'worker' | 'migrate'): string[];
export declare const ROOT: string;
