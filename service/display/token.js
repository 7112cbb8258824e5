/* The claims of a signed display link, read by the agent display and the supervisor page alike.
 *
 * A link token is "v1.<claims>.<signature>" (service/egress/tokens.py): the
 * claims are unpadded base64url JSON {role, id, team, exp}. The page only
 * reads them to know whose page it is and when the link expires; the broker
 * checks the signature, so an edited token opens nothing.
 */
"use strict";

window.CallcoachToken = (function () {
  const VERSION = "v1";

  // The token's claims {role, id, team, exp}, or null when it is not a link token.
  function read(token) {
    const parts = (token || "").split(".");
    if (parts.length !== 3 || parts[0] !== VERSION) return null;
    try {
      const bytes = Uint8Array.from(atob(parts[1].replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
      const claims = JSON.parse(new TextDecoder().decode(bytes));
      return claims && typeof claims.id === "string" && typeof claims.exp === "number" ? claims : null;
    } catch (_) { return null; }
  }

  return { read };
})();
