import * as z from 'zod';

// zod compiles fast object parsers with `new Function` where it can. The page's CSP forbids eval, and even zod's
// probe for it is reported as a violation, so turn the compiler off before the first parse.
z.config({ jitless: true });
