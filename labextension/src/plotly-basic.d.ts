/**
 * plotly.js's basic bundle ships no types of its own; it is the same plotly.js with fewer trace
 * types registered, so the full bundle's types describe it.
 */
declare module 'plotly.js-basic-dist-min' {
  import Plotly from 'plotly.js-dist-min';
  export default Plotly;
}
