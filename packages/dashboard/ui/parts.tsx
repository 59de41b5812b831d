// Small pieces every page uses.
export function Loading() {
  return <p class="muted">loading…</p>;
}

export function ErrorLine({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert" data-testid="error">
      {error}
    </p>
  ) : null;
}

export function Empty() {
  return <p class="empty">no data yet</p>;
}

/** Asks for a token; the value goes to `onToken` and nowhere else (never logged). */
export function TokenForm(props: {
  title: string;
  note: string;
  onToken: (token: string) => void;
  onCancel?: () => void;
}) {
  const { title, note, onToken, onCancel } = props;
  return (
    <form
      class="card token-form"
      data-testid="token-form"
      onSubmit={(e) => {
        e.preventDefault();
        const input = e.currentTarget.elements.namedItem('token');
        if (input instanceof HTMLInputElement && input.value.trim()) onToken(input.value.trim());
      }}
    >
      <h3>{title}</h3>
      <p class="muted">{note}</p>
      <input
        type="password"
        name="token"
        autocomplete="off"
        placeholder="token"
        data-testid="token-input"
        autoFocus
      />
      <button type="submit" data-testid="token-submit">
        Continue
      </button>
      {onCancel ? (
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      ) : null}
    </form>
  );
}
