import { useState } from 'preact/hooks';

/** A signing secret the API shows once: the value, a copy button and the warning that it is now or never. */
export function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="panel secret" role="region" aria-labelledby="secret-heading">
      <h2 id="secret-heading">Signing secret</h2>
      <p>
        <strong>Shown only now.</strong> Copy it into the receiver's configuration: Porter keeps it encrypted and never shows it again (rotate it to get a new
        one).
      </p>
      <div class="secret-value">
        <code>{secret}</code>
        <button
          type="button"
          onClick={() =>
            void navigator.clipboard
              ?.writeText(secret)
              .then(() => setCopied(true))
              .catch(() => setCopied(false))
          }
        >
          Copy secret
        </button>
        <button type="button" class="link" onClick={onDone}>
          I have saved it
        </button>
      </div>
      {copied && (
        <p class="sub" role="status">
          Copied to the clipboard.
        </p>
      )}
    </div>
  );
}
